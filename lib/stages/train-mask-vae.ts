// Stage 1's loop: Adam with exponential learning-rate decay per epoch, seeded data order,
// held-out evaluation each epoch, `last` (resumable) and `best` checkpoints, progress and
// cancellation. Resuming from `last` gives bit-identical losses to an uninterrupted run.
import { epochOrder } from '../data/batching/epoch-order';
import { type MaskSet, stackMasks } from '../data/mask-sets';
import { stepSeeds } from '../data/sample-seed';
import { DiffPromptError, abortedError } from '../errors';
import { type ReconstructionSummary, evaluateReconstruction } from '../eval/mask-reconstruction';
import type { MaskVaeConfigInput } from '../config/mask-vae-config';
import { MaskVae, type VaeLosses } from '../models/mask-vae';
import { type RunState, TrainingRun } from './training-run';
import { Tensor } from '../tensor';

export interface VaeStepProgress extends VaeLosses {
  epoch: number;
  /** Steps done in this run so far, and in the whole training. */
  step: number;
  totalSteps: number;
  lr: number;
}

export interface VaeEpochReport {
  epoch: number;
  steps: number;
  lr: number;
  meanLoss: number;
  seconds: number;
  /** Per held-out set (and "<name>≥minArea" where a minArea is set). */
  evaluation: Record<string, ReconstructionSummary>;
}

export interface HeldOutMasks {
  set: MaskSet;
  /** Also report masks covering at least this share of their image. */
  minArea?: number;
}

export interface TrainMaskVaeOptions {
  /** The model to train; or a config to create one; ignored when resuming. */
  model?: MaskVae;
  config?: MaskVaeConfigInput;
  epochs: number;
  /** Stop after this many steps in total (a partial epoch is checkpointed too). */
  maxSteps?: number;
  batchSize?: number;
  /** Initial learning rate (default: the model config's, 5e-3). */
  lr?: number;
  /** Multiplies the learning rate after every epoch (the reference: 0.95). */
  lrDecay?: number;
  klWeight?: number;
  /** Seeds the data order (each epoch its own permutation). */
  seed?: number;
  /** Evaluated after every epoch; the first set's mean IoU picks `best`. */
  heldOut?: Record<string, HeldOutMasks>;
  /** Writes `last` (with training state) and `best` here. */
  checkpointDir?: string;
  /** Continue from checkpointDir/last when it exists. */
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: VaeStepProgress) => void;
  onEpoch?: (report: VaeEpochReport) => void;
}

/** What a resumed run must share with the run it continues, or its data order would differ. */
interface RunSettings {
  batchSize: number;
  count: number;
  lr: number;
  lrDecay: number;
  klWeight: number;
  seed: number;
}

interface LoopState extends RunState<RunSettings> {
  epoch: number;
  /** Next batch within the epoch. */
  position: number;
  history: VaeEpochReport[];
  epochLosses: number[];
  /** Seconds spent in the current epoch before this run (a resumed epoch keeps counting). */
  epochSeconds: number;
}

export interface TrainMaskVaeResult {
  model: MaskVae;
  history: VaeEpochReport[];
  steps: number;
  /** Every step's loss in this run (for tests and curves). */
  losses: number[];
}

async function evaluateHeldOut(model: MaskVae, heldOut: Record<string, HeldOutMasks>): Promise<Record<string, ReconstructionSummary>> {
  const evaluation: Record<string, ReconstructionSummary> = {};
  for (const [name, { set, minArea }] of Object.entries(heldOut)) {
    evaluation[name] = await evaluateReconstruction(model, set);
    if (minArea) evaluation[`${name}≥${minArea}`] = await evaluateReconstruction(model, set, { minArea });
  }
  return evaluation;
}

export async function trainMaskVae(data: MaskSet, options: TrainMaskVaeOptions): Promise<TrainMaskVaeResult> {
  const batchSize = options.batchSize ?? 32;
  const heldOut = options.heldOut ?? {};
  if (data.count < 1) throw new DiffPromptError('ERR_DATA', 'the Mask-VAE training set is empty');

  const run = await TrainingRun.start<MaskVae, RunSettings, LoopState>({
    stage: 'trainMaskVae',
    checkpointDir: options.checkpointDir,
    resume: options.resume,
    model: options.model,
    create: options.config && (() => MaskVae.create(options.config!)),
    load: (dir) => MaskVae.load(dir, { training: true }),
    settings: (model) => {
      if (data.size !== model.config.sampleSize) {
        throw new DiffPromptError('ERR_DATA', `masks are ${data.size}×${data.size} but the model takes ${model.config.sampleSize}×${model.config.sampleSize}`);
      }
      const { lr, lrDecay, klWeight } = model.config;
      return { batchSize, count: data.count, lr: options.lr ?? lr, lrDecay: options.lrDecay ?? lrDecay, klWeight: options.klWeight ?? klWeight, seed: options.seed ?? 0 };
    },
    fresh: (settings) => ({ settings, epoch: 0, position: 0, step: 0, bestScore: -Infinity, history: [], epochLosses: [], epochSeconds: 0 }),
  });
  const { model, loop } = run;
  const settings = loop.settings;
  const { lrDecay, klWeight } = settings;
  const baseLr = settings.lr;
  const stepsPerEpoch = Math.ceil(data.count / batchSize);
  const totalSteps = Math.min(options.epochs * stepsPerEpoch, options.maxSteps ?? Infinity);
  const losses: number[] = [];
  const batchAt = (order: Uint32Array, position: number) => {
    const indices = order.subarray(position * batchSize, Math.min(order.length, (position + 1) * batchSize));
    return { masks: Tensor.from(stackMasks(data, indices), [indices.length, 1, data.size, data.size]), ids: Array.from(indices, (i) => data.id(i)) };
  };
  let runStarted = performance.now();
  const epochSeconds = () => loop.epochSeconds + (performance.now() - runStarted) / 1000;
  const saveLast = () => run.saveLast({ epochSeconds: epochSeconds() });

  while (loop.epoch < options.epochs && loop.step < totalSteps) {
    const order = epochOrder(data.count, settings.seed, loop.epoch);
    const lr = baseLr * lrDecay ** loop.epoch;
    if (loop.position === 0) {
      loop.epochLosses = [];
      loop.epochSeconds = 0;
      runStarted = performance.now();
    }
    let next = batchAt(order, loop.position);
    while (loop.position < stepsPerEpoch && loop.step < totalSteps) {
      if (options.signal?.aborted) throw abortedError('Mask-VAE training', options.signal);
      const { masks, ids } = next;
      const pending = model.trainStep(masks, { lr, klWeight, seeds: stepSeeds(ids, settings.seed, loop.step) });
      // Build the next batch while the native step runs.
      const hasNext = loop.position + 1 < stepsPerEpoch;
      if (hasNext) next = batchAt(order, loop.position + 1);
      let result: VaeLosses;
      try {
        result = await pending;
      } finally {
        masks.dispose();
      }
      loop.position++;
      loop.step++;
      loop.epochLosses.push(result.loss);
      losses.push(result.loss);
      options.onProgress?.({ ...result, epoch: loop.epoch, step: loop.step, totalSteps, lr });
    }
    if (loop.position < stepsPerEpoch) {
      next.masks.dispose();
      await saveLast(); // stopped by maxSteps mid-epoch: resumable from here
      break;
    }
    const report: VaeEpochReport = {
      epoch: loop.epoch,
      steps: loop.step,
      lr,
      meanLoss: loop.epochLosses.reduce((a, b) => a + b, 0) / loop.epochLosses.length,
      seconds: epochSeconds(),
      evaluation: await evaluateHeldOut(model, heldOut),
    };
    loop.history.push(report);
    loop.epoch++;
    loop.position = 0;
    const firstSet = Object.keys(heldOut)[0];
    const score = firstSet ? report.evaluation[firstSet].meanIoU : -report.meanLoss;
    await run.keepIfBest(score);
    await saveLast();
    options.onEpoch?.(report);
  }
  return { model, history: loop.history, steps: loop.step, losses };
}
