// A terminal progress bar for long jobs: feed it ProgressEvents, stop it when the job settles.
import { SingleBar } from 'cli-progress';
import type { ProgressEvent } from '../long-job';

export class ProgressBar {
  private readonly bar: SingleBar;
  private started = false;

  constructor(label: string) {
    this.bar = new SingleBar({
      format: `${label.padEnd(18)} [{bar}] {value}/{total} {values}`,
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    });
  }

  update(event: ProgressEvent): void {
    const values = Object.entries(event.values)
      .map(([key, value]) => `${key} ${value.toPrecision(4)}`)
      .join('  ');
    if (!this.started) {
      this.bar.start(event.total, event.step, { values });
      this.started = true;
    } else {
      this.bar.update(event.step, { values });
    }
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}
