// What a resumed training run must share with the run it continues (batch size, data count,
// learning rates, seed, ...): any difference would change the data order or the schedule, so the
// run is refused instead of silently diverging.
import { DiffPromptError } from '../errors';

/** Throws ERR_CONFIG naming the first setting that differs from the saved run's. */
export function checkResumeSettings<Settings extends object>(saved: Partial<Settings> | undefined, current: Settings): void {
  for (const key of Object.keys(current) as (keyof Settings)[]) {
    if (saved?.[key] !== current[key]) {
      throw new DiffPromptError('ERR_CONFIG', `cannot resume: ${String(key)} is ${String(current[key])} but the run being resumed used ${String(saved?.[key])} (pass the same options)`);
    }
  }
}
