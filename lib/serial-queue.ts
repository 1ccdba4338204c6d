// Calls on one native handle run one at a time, in the order they were made: firing 100 calls
// at once neither overlaps nor reorders them. (Natively every job runs on one compute thread;
// this queue keeps each handle's order and keeps waiting jobs off libuv's thread pool.) It holds
// at most `cap` calls: past that a call is refused with ERR_LIMIT rather than queued without end.
import { DiffPromptError } from './errors';

/** Calls one model may hold waiting or running. */
export const SERIAL_QUEUE_CAP = 65_536;

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(readonly cap = SERIAL_QUEUE_CAP) {}

  run<T>(job: () => Promise<T>): Promise<T> {
    if (this.pending >= this.cap) return Promise.reject(new DiffPromptError('ERR_LIMIT', `${this.cap} calls already wait on this model: await some before making more`));
    this.pending++;
    const result = this.tail.then(job, job).finally(() => this.pending--);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every job queued so far has settled. */
  async drain(): Promise<void> {
    await this.tail;
  }
}
