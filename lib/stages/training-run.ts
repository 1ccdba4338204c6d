// The skeleton every stage loop shares (Mask-VAE, grounding pretraining, the prompt generator):
// where a run starts (its `last` checkpoint when resuming, else the caller's model, else a new one
// from the caller's config), what a resumed run must share with the run it continues (batch size,
// data count, rates, seed, ...: any difference would change the data order or the schedule, so the
// run is refused instead of silently diverging), and its two checkpoints: `last` (resumable, bit for
// bit) and `best` (the best score so far). Each loop adds its own order, schedule and reports.
import path from 'node:path';
import { DiffPromptError } from '../errors';
import { hasCheckpoint } from '../io/checkpoint-folder';
import type { SaveOptions } from '../models/native-model';

/** What every loop keeps in its state: its settings, the steps taken and the best score so far. */
export interface RunState<Settings> {
  settings: Settings;
  step: number;
  bestScore: number;
}

interface TrainedModel {
  save(dir: string, options?: SaveOptions): Promise<void>;
  dispose(): void;
}

export interface RunStart<Model, Settings, Loop> {
  /** The loop's name, for errors. */
  stage: string;
  checkpointDir?: string;
  resume?: boolean;
  /** The caller's model (trained in place, never freed here). */
  model?: Model;
  create?: () => Promise<Model>;
  /** A `last` checkpoint with its training state and loop. */
  load: (dir: string) => Promise<{ model: Model; loop?: Record<string, unknown> }>;
  /** This run's settings, from its model (rates default to the model's config). */
  settings: (model: Model) => Settings | Promise<Settings>;
  /** The loop state of a run that starts afresh. */
  fresh: (settings: Settings) => Loop;
}

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

export class TrainingRun<Model extends TrainedModel, Settings extends object, Loop extends RunState<Settings>> {
  private constructor(
    readonly model: Model,
    readonly loop: Loop,
    private readonly checkpointDir: string | undefined,
    /** Whether this run made or loaded the model (then a failing run frees it). */
    readonly ownsModel: boolean,
  ) {}

  static async start<Model extends TrainedModel, Settings extends object, Loop extends RunState<Settings>>(options: RunStart<Model, Settings, Loop>): Promise<TrainingRun<Model, Settings, Loop>> {
    const lastDir = options.checkpointDir && path.join(options.checkpointDir, 'last');
    let model: Model;
    let saved: Loop | undefined;
    if (options.resume && lastDir && hasCheckpoint(lastDir)) {
      const loaded = await options.load(lastDir);
      model = loaded.model;
      saved = loaded.loop as Loop | undefined; // the state this class saved there
      if (saved) saved.bestScore ??= -Infinity; // JSON has no -Infinity
    } else if (options.model) {
      model = options.model;
    } else if (options.create) {
      model = await options.create();
    } else {
      throw new DiffPromptError('ERR_CONFIG', `${options.stage} needs a model, a config, or resume with a checkpointDir holding last/`);
    }
    const ownsModel = model !== options.model;
    try {
      const settings = await options.settings(model);
      if (saved) checkResumeSettings(saved.settings, settings);
      return new TrainingRun(model, saved ?? options.fresh(settings), options.checkpointDir, ownsModel);
    } catch (error) {
      if (ownsModel) model.dispose();
      throw error;
    }
  }

  /** Saves `last`: the model with its training state, and the loop (overlaid with `extra`). */
  async saveLast(extra: Partial<Loop> = {}): Promise<void> {
    if (!this.checkpointDir) return;
    await this.model.save(path.join(this.checkpointDir, 'last'), { training: true, loop: { ...this.loop, ...extra } });
  }

  /** Records `score` and saves `best` when it beats every earlier one. */
  async keepIfBest(score: number): Promise<void> {
    if (!this.checkpointDir || !(score > this.loop.bestScore)) return;
    this.loop.bestScore = score;
    await this.model.save(path.join(this.checkpointDir, 'best'));
  }

  /** Frees the model when this run made it: for a run that fails. */
  release(): void {
    if (this.ownsModel) this.model.dispose();
  }
}
