// Stage 2: training the prompt generator. Each step is one native job on the generator that
// reads the frozen conditioner (features of the image and expression) and the frozen Mask-VAE
// (the latent of the referred mask), then takes a diffusion step and updates the EMA. The data
// order is seeded and resumable; `last` holds everything an exact resume needs (weights, EMA,
// AdamW moments, the generator's random state, the data position), and refuses to continue
// with a different conditioner or Mask-VAE. Held-out mask IoU picks `best`.
import { batchStream, type DataOrderState, randomAccess, type SampleSource } from '../data/batching';
import { stepSeeds } from '../data/sample-seed';
import { DiffPromptError, abortedError } from '../errors';
import { type GeneratorEvaluation, evaluateGenerator } from '../eval/evaluate-generator';
import type { PromptGeneratorConfigInput } from '../config/prompt-generator-config';
import type { GeneratorParts, GeneratorStepLosses, TrainedWith } from '../models/prompt-generator';
import { PromptGenerator } from '../models/prompt-generator';
import { type RunState, TrainingRun } from './training-run';

export interface GeneratorStepProgress extends GeneratorStepLosses {
  /** Steps done in the whole training so far, and where this run stops. */
  step: number;
  totalSteps: number;
}

export interface GeneratorCheckpointReport {
  step: number;
  /** Mean loss since the previous checkpoint. */
  meanLoss: number;
  seconds: number;
  evaluation?: GeneratorEvaluation;
}

export interface TrainPromptGeneratorOptions extends GeneratorParts {
  /** The generator to train, or a config to create one; ignored when resuming. */
  generator?: PromptGenerator;
  config?: PromptGeneratorConfigInput;
  /** Steps in all (the reference trains by steps, at a constant learning rate). */
  steps: number;
  /** Stop after this many steps in total (checkpointed), leaving the rest to a resumed run. */
  maxSteps?: number;
  batchSize?: number;
  /** Default: the generator config's (1e-4, DiT's). */
  lr?: number;
  /** Seeds the data order. */
  seed?: number;
  /** Save `last` (and evaluate, and maybe `best`) every this many steps, and at the end. */
  checkpointEvery?: number;
  /** Held-out samples scored by mean mask IoU at each checkpoint; the best score is `best`. */
  heldOut?: SampleSource;
  checkpointDir?: string;
  /** Continue from checkpointDir/last when it exists. */
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: GeneratorStepProgress) => void;
  onCheckpoint?: (report: GeneratorCheckpointReport) => void;
}

/** What a resumed run must share with the run it continues. */
interface RunSettings {
  batchSize: number;
  count: number;
  lr: number;
  steps: number;
  seed: number;
  checkpointEvery: number;
  trainedWith: TrainedWith;
}

interface LoopState extends RunState<RunSettings> {
  data: DataOrderState;
  history: GeneratorCheckpointReport[];
  sinceCheckpoint: number[];
  seconds: number;
}

export interface TrainPromptGeneratorResult {
  generator: PromptGenerator;
  history: GeneratorCheckpointReport[];
  steps: number;
  /** Every step's loss in this run. */
  losses: number[];
}

export async function trainPromptGenerator(data: SampleSource, options: TrainPromptGeneratorOptions): Promise<TrainPromptGeneratorResult> {
  const batchSize = options.batchSize ?? 32;
  const count = randomAccess(data).count;
  if (count < 1) throw new DiffPromptError('ERR_DATA', 'the generator training set is empty');
  if (!(Number.isSafeInteger(options.steps) && options.steps >= 1)) throw new DiffPromptError('ERR_CONFIG', `steps must be a positive integer; got ${options.steps}`);
  const { conditioner, vae } = options;
  const parts: GeneratorParts = { conditioner, vae };

  const run = await TrainingRun.start<PromptGenerator, RunSettings, LoopState>({
    stage: 'trainPromptGenerator',
    checkpointDir: options.checkpointDir,
    resume: options.resume,
    model: options.generator,
    create: options.config && (() => PromptGenerator.create(options.config!)),
    // A resumed run keeps its weights but takes the caller's precision (a float32 run may go on in bf16).
    load: (dir) => PromptGenerator.load(dir, { training: true, ...(options.config?.precision ? { precision: options.config.precision } : {}) }),
    settings: async (generator) => ({
      batchSize,
      count,
      lr: options.lr ?? generator.config.lr,
      steps: options.steps,
      seed: options.seed ?? 0,
      checkpointEvery: options.checkpointEvery ?? 500,
      trainedWith: { conditioner: { kind: conditioner.kind, sha256: await conditioner.weightsSha256() }, maskVae: { sha256: await vae.weightsSha256() } },
    }),
    fresh: (settings) => ({ settings, data: { seed: settings.seed, epoch: 0, position: 0 }, step: 0, bestScore: -Infinity, history: [], sinceCheckpoint: [], seconds: 0 }),
  });
  try {
    return await runTraining(run, data, options, parts);
  } catch (error) {
    run.release(); // a generator this function made (not the caller's) is freed when training fails
    throw error;
  }
}

/** The loop itself, on a started run. */
async function runTraining(
  run: TrainingRun<PromptGenerator, RunSettings, LoopState>,
  data: SampleSource,
  options: TrainPromptGeneratorOptions,
  parts: GeneratorParts,
): Promise<TrainPromptGeneratorResult> {
  const { model: generator, loop } = run;
  const settings = loop.settings;
  const { batchSize } = settings;
  generator.trainedWith = settings.trainedWith;
  const stopAt = Math.min(settings.steps, options.maxSteps ?? Infinity);
  const losses: number[] = [];
  const runStarted = performance.now();
  const secondsSoFar = loop.seconds;
  const seconds = () => secondsSoFar + (performance.now() - runStarted) / 1000;

  const checkpoint = async () => {
    const report: GeneratorCheckpointReport = {
      step: loop.step,
      meanLoss: loop.sinceCheckpoint.reduce((a, b) => a + b, 0) / Math.max(1, loop.sinceCheckpoint.length),
      seconds: seconds(),
    };
    if (options.heldOut) report.evaluation = await evaluateGenerator(generator, parts, options.heldOut, { signal: options.signal });
    loop.history.push(report);
    loop.sinceCheckpoint = [];
    loop.seconds = report.seconds;
    const score = report.evaluation ? report.evaluation.meanIou : -report.meanLoss;
    await run.keepIfBest(score);
    await run.saveLast();
    options.onCheckpoint?.(report);
  };

  const stream = batchStream(data, { ...parts.conditioner.batchOptions(), batchSize, seed: settings.seed, startState: loop.data, dropLast: true });
  try {
    for await (const batch of stream) {
      if (loop.step >= stopAt) break;
      if (options.signal?.aborted) throw abortedError('generator training', options.signal);
      const result = await generator.trainOnBatch(parts, batch, { lr: settings.lr, seeds: stepSeeds(batch.ids, settings.seed, loop.step) });
      loop.data = stream.state();
      loop.step++;
      loop.sinceCheckpoint.push(result.loss);
      losses.push(result.loss);
      options.onProgress?.({ ...result, step: loop.step, totalSteps: stopAt });
      if (loop.step % settings.checkpointEvery === 0 || loop.step === stopAt) await checkpoint();
    }
  } finally {
    await stream.return();
  }
  return { generator, history: loop.history, steps: loop.step, losses };
}
