// The error a background run's write fails with when its instance no longer holds the run: another instance took it over, or it has ended. Nothing of the write was applied.
export class RunLeaseLost extends Error {
  constructor(readonly responseId: string) {
    super(`this instance no longer holds run ${responseId} (another instance took it over, or it ended): its write was not applied`);
    this.name = 'RunLeaseLost';
  }
}
