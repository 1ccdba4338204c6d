// A bounded admission queue: at most `cap` requests are admitted at once, and of those at most
// `concurrency` hold a working slot; the rest wait in arrival order. A request past the cap is
// refused at once (the server answers 503), so memory never grows with the offered load.
import { abortedError } from '../errors';

export interface Admission {
  /** Resolves when the request holds a working slot; rejects with ERR_ABORTED when `signal` fires first. */
  turn(signal: AbortSignal): Promise<void>;
  /** Call exactly once, however the request ends: frees its place (and its slot). */
  leave(): void;
}

export class AdmissionGate {
  private admitted = 0;
  private working = 0;
  private readonly waiting: Array<{ start: () => void }> = [];

  constructor(
    readonly cap: number,
    readonly concurrency: number,
  ) {}

  /** Requests admitted now (waiting or working). */
  get size(): number {
    return this.admitted;
  }

  /** Admits a request, or undefined when `cap` are already in. */
  tryAdmit(): Admission | undefined {
    if (this.admitted >= this.cap) return undefined;
    this.admitted++;
    let holdsSlot = false;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.admitted--;
      if (holdsSlot) this.release();
    };
    const turn = (signal: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(abortedError('waiting for a turn', signal));
        const entry = {
          start: () => {
            signal.removeEventListener('abort', onAbort);
            holdsSlot = true;
            resolve();
          },
        };
        const onAbort = () => {
          const at = this.waiting.indexOf(entry);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(abortedError('waiting for a turn', signal));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        if (this.working < this.concurrency) {
          this.working++;
          entry.start();
        } else {
          this.waiting.push(entry);
        }
      });
    return { leave, turn };
  }

  /** Hands a freed slot to the longest-waiting request. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next.start();
    else this.working--;
  }
}
