// Which targets are cooling down: one that failed `failures` times in a row (before any output) is skipped for a while, then tried again.

export interface CooldownRule {
  failures: number;
  ms: number;
}

/** Per target (`provider/model`), shared by every request of the process; the clock is injected (milliseconds). */
export class TargetCooldowns {
  private readonly failures = new Map<string, number>();
  private readonly until = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Whether the target is being skipped now; a cooldown that has run out is forgotten here. */
  cooling(target: string): boolean {
    const until = this.until.get(target);
    if (until === undefined) return false;
    if (this.clock() < until) return true;
    this.until.delete(target);
    return false;
  }

  /** Counts a failure; returns when the target's cooldown ends if this failure started one. */
  failed(target: string, rule: CooldownRule): number | undefined {
    const count = (this.failures.get(target) ?? 0) + 1;
    if (count < rule.failures) {
      this.failures.set(target, count);
      return undefined;
    }
    this.failures.delete(target);
    const until = this.clock() + rule.ms;
    this.until.set(target, until);
    return until;
  }

  /** The target served a response: its count of failures in a row starts again. */
  served(target: string): void {
    if (this.failures.size > 0) this.failures.delete(target);
  }
}
