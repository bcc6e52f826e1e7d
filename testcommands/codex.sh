#!/usr/bin/env bash
# Runs the real Codex CLI (@openai/codex) through a freshly built gateway whose Chat Completions provider is a
# local mock upstream, and checks that a tool-using turn completes: exit 0, a command run and its output fed back, a file
# added with Codex's freeform apply_patch tool (a custom tool call), a tool search, a namespaced call, a final answer.
# Usage: testcommands/codex.sh            (needs the npm registry once: Codex is ~400 MB, cached, never a devDependency)
#   CODEX_VERSION=0.171.0   the @openai/codex version to install       CODEX_CACHE=~/.cache/junction   where it is kept
#   CODEX_MODEL=gpt-5.5     the model Codex asks for (one it knows sends freeform apply_patch and tool_search)
#   CODEX_BIN=/path/codex   use an installed codex instead              KEEP=1   keep the temp dir (logs, bodies) for a look
#   JUNCTION_DATABASE_URL=postgres://…   the gateway's store (default: a SQLite file in the temp dir)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="${CODEX_VERSION:-0.171.0}"
MODEL="${CODEX_MODEL:-gpt-5.5}"
CACHE="${CODEX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/junction}/codex-$VERSION"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/junction-codex.XXXXXX")"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# Waits for a line matching $2 in file $1 (a server announcing itself), up to 30 s; prints the line.
wait_for() { for _ in $(seq 300); do grep -m1 "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "timed out waiting for $2 in $1" >&2; cat "$1" >&2; return 1; }

echo "== codex $VERSION"
CODEX="${CODEX_BIN:-$CACHE/node_modules/.bin/codex}"
if [ ! -x "$CODEX" ]; then
  echo "installing @openai/codex@$VERSION into $CACHE (about 400 MB, once)"
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-save --no-audit --no-fund --loglevel=error "@openai/codex@$VERSION"
fi
"$CODEX" --version

echo "== build the gateway"
(cd "$ROOT" && npm run build --silent)

echo "== mock Chat Completions upstream"
# Plays a tool loop the way a model would, decided by how many tool results the conversation holds so far (see
# `steps`), then answers with what the command printed. Every body it receives is kept in bodies/.
mkdir -p "$WORK/bodies"
cat > "$WORK/mock-upstream.mjs" <<'EOF'
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
const dir = process.argv[2];
let n = 0;
const sse = (res, chunks) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const c of chunks) res.write(`data: ${JSON.stringify({ id: 'chatcmpl-mock', model: 'mock-model', ...c })}\n\n`);
  res.end('data: [DONE]\n\n');
};
const choice = (delta, finish_reason = null) => ({ choices: [{ index: 0, delta, finish_reason }] });
const usage = { choices: [], usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 } };
createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d)).on('end', () => {
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) return res.writeHead(404).end();
    writeFileSync(`${dir}/${++n}.json`, body);
    const { messages = [], tools = [] } = JSON.parse(body);
    const names = tools.map((t) => t.function?.name);
    const results = messages.filter((m) => m.role === 'tool');
    const call = (id, name, args) => sse(res, [
      choice({ role: 'assistant', tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: '' } }] }),
      choice({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify(args) } }] }),
      choice({}, 'tool_calls'),
      usage,
    ]);
    if (!names.includes('exec_command')) return sse(res, [choice({ content: `no exec_command tool among: ${names.join(', ')}` }, 'stop'), usage]);
    // One call per turn, in this order: a command; Codex's freeform apply_patch (a custom tool, sent to Chat as a
    // function of one string `input`) when offered; a tool of a namespace (flattened to <namespace>__<name>) when
    // offered, with empty arguments: Codex answering about them shows it routed the call back to its namespace.
    const steps = [['call_mock_1', 'exec_command', { cmd: 'echo junction-codex-ok' }]];
    if (names.includes('apply_patch')) {
      steps.push(['call_mock_2', 'apply_patch', { input: '*** Begin Patch\n*** Add File: junction-codex.txt\n+patched through junction\n*** End Patch\n' }]);
    }
    // Codex defers some tools behind its client-run tool_search (sent to Chat as a function): search them first.
    if (names.includes('tool_search')) steps.push(['call_mock_search', 'tool_search', { query: 'agent' }]);
    const namespaced = names.find((name) => name.includes('__'));
    if (namespaced) steps.push(['call_mock_3', namespaced, {}]);
    if (results.length < steps.length) return call(...steps[results.length]);
    const first = results.find((m) => m.tool_call_id === 'call_mock_1');
    const text = typeof first?.content === 'string' ? first.content : JSON.stringify(first?.content);
    const seen = text.includes('junction-codex-ok') ? 'junction-codex-ok' : `unexpected tool output: ${text.slice(0, 300)}`;
    sse(res, [choice({ role: 'assistant', content: 'The command printed: ' }), choice({ content: seen }), choice({}, 'stop'), usage]);
  });
}).listen(0, '127.0.0.1', function () {
  console.log(`mock listening on http://127.0.0.1:${this.address().port}/v1`);
});
EOF
node "$WORK/mock-upstream.mjs" "$WORK/bodies" > "$WORK/mock.log" 2>&1 &
PIDS+=($!)
MOCK_URL="$(wait_for "$WORK/mock.log" 'mock listening' | sed 's/.* on //')"
echo "$MOCK_URL"

echo "== gateway (Chat provider -> mock)"
KEY="sk-junction-codex-test"
cat > "$WORK/junction.yaml" <<EOF
server: { host: 127.0.0.1, port: 0 }
database: { url: "${JUNCTION_DATABASE_URL:-sqlite:$WORK/junction.db}" }
keys: [{ name: codex, key: "$KEY" }]
providers:
  mock: { type: chat-completions, base_url: "$MOCK_URL", api_key: none }
models:
  "$MODEL": { provider: mock, model: mock-model }
logging: { level: info }
EOF
node "$ROOT/dist/src/main.js" --config "$WORK/junction.yaml" > "$WORK/gateway.log" 2>&1 &
PIDS+=($!)
GATEWAY_URL="$(wait_for "$WORK/gateway.log" 'junction listening' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).url))')"
echo "$GATEWAY_URL"

echo "== codex exec"
mkdir -p "$WORK/codex-home" "$WORK/project"
cat > "$WORK/codex-home/config.toml" <<EOF
model = "$MODEL"
model_provider = "junction"

[model_providers.junction]
name = "Junction"
base_url = "$GATEWAY_URL/v1"
env_key = "JUNCTION_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
EOF
status=0
CODEX_HOME="$WORK/codex-home" JUNCTION_API_KEY="$KEY" timeout 180 "$CODEX" exec --json --ephemeral --skip-git-repo-check \
  --sandbox workspace-write -C "$WORK/project" "Run: echo junction-codex-ok, then tell me what it printed." < /dev/null > "$WORK/codex.jsonl" 2> "$WORK/codex.stderr" || status=$?
echo "exit $status; events: $(node -e 'const fs=require("fs");console.log(fs.readFileSync(process.argv[1],"utf8").trim().split("\n").filter(Boolean).map(l=>{const e=JSON.parse(l);return e.type+(e.item?":"+e.item.type:"")}).join(" "))' "$WORK/codex.jsonl")"

echo "== checks"
fail() { echo "FAIL: $*"; echo "--- codex stderr"; tail -20 "$WORK/codex.stderr"; echo "--- gateway log"; tail -20 "$WORK/gateway.log"; exit 1; }
[ "$status" -eq 0 ] || fail "codex exec exited $status"
grep -q '"type":"command_execution"' "$WORK/codex.jsonl" || fail "codex ran no command"
grep -q 'The command printed: junction-codex-ok' "$WORK/codex.jsonl" || fail "no final answer with the command's output"
[ "$(ls "$WORK/bodies" | wc -l)" -ge 2 ] || fail "expected two upstream calls (the call, then its result)"
node -e '
  const fs = require("fs");
  const last = JSON.parse(fs.readFileSync(process.argv[1] + "/" + fs.readdirSync(process.argv[1]).length + ".json", "utf8"));
  const first = JSON.parse(fs.readFileSync(process.argv[1] + "/1.json", "utf8"));
  if (first.tools.some((t) => t.function.name === "tool_search")) {
    const found = last.messages.find((m) => m.role === "tool" && m.tool_call_id === "call_mock_search");
    if (!found || !/^Tools loaded: \w/.test(found.content)) throw new Error(`tool_search loaded nothing: ${found?.content}`);
    console.log(found.content);
  }
  const call = last.messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.id === "call_mock_3");
  if (!call) process.exit(0);
  const out = last.messages.find((m) => m.role === "tool" && m.tool_call_id === "call_mock_3");
  console.log(`namespaced ${call.function.name} answered: ${String(out.content).slice(0, 120).replace(/\n/g, " ")}`);
  if (/unsupported call|unknown tool/i.test(String(out.content))) throw new Error("Codex did not route the namespaced call");
' "$WORK/bodies" || fail "tool search or namespaced call"
if grep -q '"name":"apply_patch"' "$WORK/bodies/1.json"; then
  grep -qx 'patched through junction' "$WORK/project/junction-codex.txt" 2>/dev/null || fail "apply_patch (a custom tool call) did not create the file"
  echo "apply_patch (custom tool) created junction-codex.txt"
fi
node -e '
  const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const names = b.tools.map((t) => t.function.name);
  console.log(`upstream saw ${names.length} function tools: ${names.join(", ")}`);
  if (b.plugins) throw new Error("web plugin sent");
  if (!b.tools.every((t) => t.type === "function")) throw new Error("a non-function tool reached the Chat provider");
' "$WORK/bodies/1.json" || fail "first upstream body"
echo "ok: codex exec completed a tool turn through the gateway's Chat provider"
