// The mock upstream's per-request behaviour, carried in the model name so that it survives any gateway in between.
export interface MockProfile {
  /** Delay before the response headers, in ms. */
  latencyMs: number;
  /** Non-streaming: size of the whole JSON body; streaming: size of the output text. */
  bodyBytes: number;
  /** Number of SSE events in a stream, framing events included. */
  events: number;
  /** Delay between two SSE events, in ms; 0 sends the whole stream at once. */
  paceMs: number;
  /** A stream's first delta is one event of this many bytes instead (scenario f); 0: none. */
  hugeEventBytes: number;
  /** A paced stream's first this-many events are sent at once, the rest at the pace (scenario g's live runs); 0: only the first. */
  leadEvents: number;
}

export const defaultMockProfile: MockProfile = { latencyMs: 0, bodyBytes: 1400, events: 20, paceMs: 0, hugeEventBytes: 0, leadEvents: 0 };

const letters: Record<string, keyof MockProfile> = { l: 'latencyMs', b: 'bodyBytes', e: 'events', p: 'paceMs', h: 'hugeEventBytes', f: 'leadEvents' };

/** `mockModelName({latencyMs: 50})` is `bench.l50.b1400.e20.p0`; the gateway sees it after its provider prefix. */
export function mockModelName(profile: Partial<MockProfile>): string {
  const p = { ...defaultMockProfile, ...profile };
  // The huge event and the lead only when asked, so that every other model name stays as it was.
  return `bench.l${p.latencyMs}.b${p.bodyBytes}.e${p.events}.p${p.paceMs}${p.hugeEventBytes > 0 ? `.h${p.hugeEventBytes}` : ''}${p.leadEvents > 0 ? `.f${p.leadEvents}` : ''}`;
}

/** Reads a name made by `mockModelName`, after any `provider/` prefix; unknown parts keep their defaults. */
export function parseMockProfile(model: string): MockProfile {
  const profile = { ...defaultMockProfile };
  const name = model.slice(model.lastIndexOf('/') + 1);
  for (const part of name.split('.')) {
    const key = letters[part.charAt(0)];
    const value = Number(part.slice(1));
    if (key !== undefined && part.length > 1 && Number.isFinite(value)) profile[key] = value;
  }
  return profile;
}
