// Preloaded into the Portkey process only: re-wraps fetch's answers so that their headers are mutable, working around Portkey issues #1389/#1550 (every stream fails with "TypeError: immutable" under @hono/node-server > 1.14.2).
const nativeFetch = globalThis.fetch;

globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const res = await nativeFetch(input, init);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) });
};
