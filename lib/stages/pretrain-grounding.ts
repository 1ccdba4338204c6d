// Pretraining the grounding model (the frozen foundation of stage 3): AdamW with linear warm-up
// and cosine decay, seeded and resumable data order, held-out Recall@k after every epoch,
// `last` (resumable) and `best` checkpoints, progress and cancellation. Resuming from `last`
// gives bit-identical losses to an uninterrupted run.
import { batchStream, type DataOrderState, type SampleSource } from '../data/batching';
import { randomAccess } from '../data/batching';
import { DiffPromptError, abortedError } from '../errors';
import { type GroundingEvaluation, evaluateGrounding } from '../eval/evaluate-grounding';
import type { GroundingConfigInput } from '../config/grounding-config';
import { type RunState, TrainingRun } from './training-run';
import { GroundingModel, type GroundingLosses } from '../models/grounding-model';

export interface GroundingStepProgress extends GroundingLosses {
  epoch: number;
  /** Steps done in the whole training so far, and where this run stops. */
  step: number;
  totalSteps: number;
  lr: number;
}

export interface GroundingEpochReport {
  epoch: number;
  steps: number;
  meanLoss: number;
  seconds: number;
  /** Per held-out set. */
  evaluation: Record<string, GroundingEvaluation>;
}

export interface PretrainGroundingOptions {
  /** The model to train; or a config to create one; ignored when resuming. */
  model?: GroundingModel;
  config?: GroundingConfigInput;
  epochs: number;
  /** Stop after this many steps in total (the partial epoch is checkpointed too); the learning-rate
   * schedule still spans all epochs, so resuming continues it. */
  maxSteps?: number;
  batchSize?: number;
  /** Peak learning rate (default: the model config's). */
  lr?: number;
  /** Linear warm-up steps (default 200), then cosine decay to lr·minLrRatio at the last step. */
  warmupSteps?: number;
  minLrRatio?: number;
  /** Seeds the data order. */
  seed?: number;
  /** Evaluated after every epoch; the first set's R@1 picks `best`. */
  heldOut?: Record<string, SampleSource>;
  checkpointDir?: string;
  /** Continue from checkpointDir/last when it exists. */
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: GroundingStepProgress) => void;
  onEpoch?: (report: GroundingEpochReport) => void;
}

/** What a resumed run must share with the run it continues. */
interface RunSettings {
  batchSize: number;
  count: number;
  lr: number;
  warmupSteps: number;
  minLrRatio: number;
  totalSteps: number;
  seed: number;
}

interface LoopState extends RunState<RunSettings> {
  data: DataOrderState;
  history: GroundingEpochReport[];
  epochLosses: number[];
  epochSeconds: number;
}

export interface PretrainGroundingResult {
  model: GroundingModel;
  history: GroundingEpochReport[];
  steps: number;
  /** Every step's loss in this run. */
  losses: number[];
}

/** Learning rate at `step` (0-based): linear warm-up, then cosine from lr to lr·minLrRatio. */
export function warmupCosineLr(step: number, settings: Pick<RunSettings, 'lr' | 'warmupSteps' | 'minLrRatio' | 'totalSteps'>): number {
  const { lr, warmupSteps, minLrRatio, totalSteps } = settings;
  if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  return lr * (minLrRatio + (1 - minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

export async function pretrainGrounding(data: SampleSource, options: PretrainGroundingOptions): Promise<PretrainGroundingResult> {
  const batchSize = options.batchSize ?? 32;
  const count = randomAccess(data).count;
  if (count < 1) throw new DiffPromptError('ERR_DATA', 'the grounding training set is empty');
  const heldOut = options.heldOut ?? {};
  const stepsPerEpoch = Math.ceil(count / batchSize);
  const run = await TrainingRun.start<GroundingModel, RunSettings, LoopState>({
    stage: 'pretrainGrounding',
    checkpointDir: options.checkpointDir,
    resume: options.resume,
    model: options.model,
    create: options.config && (() => GroundingModel.create(options.config!)),
    load: (dir) => GroundingModel.load(dir, { training: true }),
    settings: (model) => ({
      batchSize,
      count,
      lr: options.lr ?? model.config.lr,
      warmupSteps: options.warmupSteps ?? 200,
      minLrRatio: options.minLrRatio ?? 0.1,
      totalSteps: options.epochs * stepsPerEpoch,
      seed: options.seed ?? 0,
    }),
    fresh: (settings) => ({ settings, data: { seed: settings.seed, epoch: 0, position: 0 }, step: 0, bestScore: -Infinity, history: [], epochLosses: [], epochSeconds: 0 }),
  });
  const { model, loop } = run;
  const settings = loop.settings;
  // maxSteps stops the run early without changing the schedule, so a resumed run continues it.
  const stopAt = Math.min(settings.totalSteps, options.maxSteps ?? Infinity);
  const losses: number[] = [];
  let runStarted = performance.now();
  const epochSeconds = () => loop.epochSeconds + (performance.now() - runStarted) / 1000;
  const saveLast = () => run.saveLast({ epochSeconds: epochSeconds() });

  while (loop.data.epoch < options.epochs && loop.step < stopAt) {
    const epoch = loop.data.epoch;
    if (loop.data.position === 0) {
      loop.epochLosses = [];
      loop.epochSeconds = 0;
      runStarted = performance.now();
    }
    const stream = batchStream(data, { ...model.batchOptions(), batchSize, seed: settings.seed, startState: loop.data, epochs: epoch + 1 });
    try {
      for await (const batch of stream) {
        if (options.signal?.aborted) throw abortedError('grounding pretraining', options.signal);
        const lr = warmupCosineLr(loop.step, settings);
        const result = await model.trainStep(batch, { lr });
        loop.data = stream.state();
        loop.step++;
        loop.epochLosses.push(result.loss);
        losses.push(result.loss);
        options.onProgress?.({ ...result, epoch, step: loop.step, totalSteps: stopAt, lr });
        if (loop.step >= stopAt) break;
      }
    } finally {
      await stream.return();
    }
    if (loop.data.epoch === epoch) {
      await saveLast(); // stopped by maxSteps mid-epoch: resumable from here
      break;
    }
    const evaluation: Record<string, GroundingEvaluation> = {};
    for (const [name, set] of Object.entries(heldOut)) evaluation[name] = await evaluateGrounding(model, set, { signal: options.signal });
    const report: GroundingEpochReport = {
      epoch,
      steps: loop.step,
      meanLoss: loop.epochLosses.reduce((a, b) => a + b, 0) / loop.epochLosses.length,
      seconds: epochSeconds(),
      evaluation,
    };
    loop.history.push(report);
    const firstSet = Object.keys(heldOut)[0];
    const score = firstSet ? evaluation[firstSet]!.recall[1]! : -report.meanLoss;
    await run.keepIfBest(score);
    await saveLast();
    options.onEpoch?.(report);
  }
  return { model, history: loop.history, steps: loop.step, losses };
}
