import { describe, expect, it } from 'vitest';
import { TargetCooldowns } from './target-cooldowns.js';

const rule = { failures: 2, ms: 1_000 };

describe('TargetCooldowns', () => {
  it('skips a target after `failures` failures in a row, and tries it again once the time is up', () => {
    let now = 10_000;
    const cooldowns = new TargetCooldowns(() => now);
    expect(cooldowns.failed('a/m', rule)).toBeUndefined();
    expect(cooldowns.cooling('a/m')).toBe(false);
    expect(cooldowns.failed('a/m', rule)).toBe(11_000);
    expect(cooldowns.cooling('a/m')).toBe(true);
    expect(cooldowns.cooling('b/m')).toBe(false);
    now = 10_999;
    expect(cooldowns.cooling('a/m')).toBe(true);
    now = 11_000;
    expect(cooldowns.cooling('a/m')).toBe(false);
    // The count starts again after a cooldown: one more failure is not enough for another.
    expect(cooldowns.failed('a/m', rule)).toBeUndefined();
  });

  it('counts failures in a row only: a served response starts the count again', () => {
    const cooldowns = new TargetCooldowns(() => 0);
    cooldowns.failed('a/m', rule);
    cooldowns.served('a/m');
    expect(cooldowns.failed('a/m', rule)).toBeUndefined();
    expect(cooldowns.cooling('a/m')).toBe(false);
  });
});
