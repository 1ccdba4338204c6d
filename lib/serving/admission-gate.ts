// A bounded admission queue: at most `cap` requests are admitted at once, and of those at most
// `concurrency` hold a working slot; the rest wait in arrival order. A request past the cap is
// refused at once (the server answers 503), so memory never grows with the offered load.
import { DiffPromptError, abortedError } from '../errors';

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

  /** Admits a request or throws ERR_LIMIT when `cap` are already in. The caller must call the
   * returned `leave` exactly once, however the request ends. */
  admit(): { leave: () => void; turn: (signal: AbortSignal) => Promise<void> } {
    if (this.admitted >= this.cap) throw new DiffPromptError('ERR_LIMIT', `the server already holds ${this.cap} requests: retry after the time in Retry-After`);
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
