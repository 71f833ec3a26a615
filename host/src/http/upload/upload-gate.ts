/** Counts uploads streaming at once, so a flood of them cannot fill the disk or the memory a job takes. */
export class UploadGate {
  private inFlight = 0;

  constructor(readonly capacity: number) {}

  /** A release function, or undefined when the gate is full. */
  tryEnter(): (() => void) | undefined {
    if (this.inFlight >= this.capacity) return undefined;
    this.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
    };
  }

  get active(): number {
    return this.inFlight;
  }
}
