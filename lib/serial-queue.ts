// Calls on one native handle run one at a time, in the order they were made: firing 100 calls
// at once neither overlaps nor reorders them. (Natively every job runs on one compute thread;
// this queue keeps each handle's order and keeps waiting jobs off libuv's thread pool.)

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every job queued so far has settled. */
  async drain(): Promise<void> {
    await this.tail;
  }
}
