// Resuming a training run: where it starts (the `last` checkpoint or a new model), and what it
// must share with the run it continues (batch size, data count, learning rates, seed, ...): any
// difference would change the data order or the schedule, so the run is refused instead of
// silently diverging.
import { DiffPromptError } from '../errors';
import { hasCheckpoint } from '../io/checkpoint-folder';

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

/** Where a training run starts: `lastDir` when resuming and it holds a checkpoint (with the loop
 * state saved there), else the caller's model, else one made from the caller's config. */
export async function startingModel<Model, Loop extends { bestScore: number }>(
  stage: string,
  from: { resume?: boolean; lastDir?: string; model?: Model; create?: () => Promise<Model>; load: (dir: string) => Promise<{ model: Model; loop?: Record<string, unknown> }> },
): Promise<{ model: Model; loop?: Loop }> {
  if (from.resume && from.lastDir && hasCheckpoint(from.lastDir)) {
    const loaded = await from.load(from.lastDir);
    const loop = loaded.loop as unknown as Loop;
    loop.bestScore ??= -Infinity; // JSON has no -Infinity
    return { model: loaded.model, loop };
  }
  if (from.model) return { model: from.model };
  if (from.create) return { model: await from.create() };
  throw new DiffPromptError('ERR_CONFIG', `${stage} needs a model, a config, or resume with a checkpointDir holding last/`);
}
