// What a resumed training run must share with the run it continues (batch size, data count,
// learning rates, seed, ...): any difference would change the data order or the schedule, so the
// run is refused instead of silently diverging.
import { DiffPromptError } from '../errors';

/** Throws ERR_CONFIG naming the first setting that differs from the saved run's (settings are
 * JSON values: numbers, strings, or plain objects of them, such as the frozen parts' hashes). */
export function checkResumeSettings<Settings extends object>(saved: Partial<Settings> | undefined, current: Settings): void {
  for (const key of Object.keys(current) as (keyof Settings)[]) {
    const [was, now] = [JSON.stringify(saved?.[key]), JSON.stringify(current[key])];
    if (was !== now) {
      throw new DiffPromptError('ERR_CONFIG', `cannot resume: ${String(key)} is ${now} but the run being resumed used ${was} (pass the same options)`);
    }
  }
}
