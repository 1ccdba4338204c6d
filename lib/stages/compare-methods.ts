// The comparison: every method tuned on the same frozen parts with the same steps, batch and
// seeds, its learning rate picked from a grid by val R@1 (first seed), then scored on val, testA
// and testB as mean ± std over seeds. Each run keeps every expression's ranked boxes, so a table
// can be scored again (another criterion or threshold) without retraining. Results are what they
// are; the table says who wins.
import type { SampleSource } from '../data/batching';
import { DiffPromptError, abortedError } from '../errors';
import { evaluateGrounding } from '../eval/evaluate-grounding';
import { type ExpressionPredictions, type RecallOptions, type RecallSummary, scorePredictions } from '../eval/grounding-recall';
import type { DiffPromptPartDirs } from '../models/diff-prompt';
import { GroundingModel } from '../models/grounding-model';
import type { PromptMethod } from '../models/prompt-method';
import { type MethodSettings, type PromptMethodName, buildPromptMethod, methodLearningRate } from '../models/prompt-methods';
import { tunePrompts } from './tune-prompts';

export const COMPARISON_SPLITS = ['val', 'testA', 'testB'] as const;
export type ComparisonSplit = (typeof COMPARISON_SPLITS)[number];

export interface MeanStd {
  mean: number;
  std: number;
}

export interface SplitScores {
  r1: MeanStd;
  r5: MeanStd;
  r10: MeanStd;
  ub: MeanStd;
}

export interface ComparisonRow {
  method: PromptMethodName;
  trainableParameters: number;
  lr: number;
  /** val R@1 of each learning rate tried (first seed). */
  lrSearch: Record<string, number>;
  splits: Record<ComparisonSplit, SplitScores>;
  trainSeconds: MeanStd;
  inferenceMsPerExpression: number;
  /** The first seed's loss per step. */
  losses: number[];
  /** Per seed (0, 1, ...), per split, every expression's ranked boxes in image pixels: what the scores were computed from. */
  predictions: Record<ComparisonSplit, ExpressionPredictions[]>[];
}

export interface CompareProgress {
  method: PromptMethodName;
  seed: number;
  phase: 'tune' | 'evaluate';
  step: number;
  total: number;
}

export interface CompareOptions {
  methods: readonly PromptMethodName[];
  dirs: DiffPromptPartDirs;
  data: { train: SampleSource } & Record<ComparisonSplit, SampleSource>;
  /** Seeds 0..seeds−1 (data order and initial prompts). */
  seeds: number;
  steps: number;
  batchSize?: number;
  /** How scores are counted (default: the evaluator of record, GIoU ≥ 0.5). */
  recall?: RecallOptions;
  /** Learning rates tried per method (default: the method's own, methodLearningRate). */
  lrs?: Partial<Record<PromptMethodName, readonly number[]>>;
  settings?: MethodSettings;
  signal?: AbortSignal;
  onProgress?: (event: CompareProgress) => void;
  /** Called with each method's row as soon as it is done. */
  onRow?: (row: ComparisonRow) => void;
  /** Called with each method's first-seed model after it is scored, before it is freed (for pictures). */
  onTuned?: (method: PromptMethodName, model: PromptMethod) => Promise<void>;
}

export function meanStd(values: readonly number[]): MeanStd {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

/** One tuned model (one method, seed and rate) and what it scored so far. */
interface SeedRun {
  model: PromptMethod;
  seconds: number;
  losses: number[];
  evaluations: Partial<Record<ComparisonSplit, RecallSummary>>;
  predictions: Partial<Record<ComparisonSplit, ExpressionPredictions[]>>;
  evaluateMs: number;
  evaluated: number;
}

/** What a run keeps once its model is freed. */
type SeedScores = Omit<SeedRun, 'model'>;

function scoresOf({ model: _freed, ...scores }: SeedRun): SeedScores {
  return scores;
}

async function tuneSeed(method: PromptMethodName, seed: number, lr: number, options: CompareOptions): Promise<SeedRun> {
  const model = await buildPromptMethod(method, options.dirs, { ...options.settings, seed, lr });
  try {
    const tuned = await tunePrompts(model, options.data.train, {
      steps: options.steps,
      batchSize: options.batchSize,
      lr,
      seed,
      signal: options.signal,
      onProgress: (event) => options.onProgress?.({ method, seed, phase: 'tune', step: event.step, total: event.totalSteps }),
    });
    return { model, seconds: tuned.seconds, losses: tuned.losses, evaluations: {}, predictions: {}, evaluateMs: 0, evaluated: 0 };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Scores the run on the splits it has not been scored on yet. */
async function scoreSeed(method: PromptMethodName, run: SeedRun, seed: number, splits: readonly ComparisonSplit[], options: CompareOptions): Promise<void> {
  for (const split of splits.filter((s) => !run.evaluations[s])) {
    if (options.signal?.aborted) throw abortedError('the comparison', options.signal);
    const started = performance.now();
    const predictions: ExpressionPredictions[] = [];
    run.predictions[split] = predictions;
    run.evaluations[split] = await evaluateGrounding(run.model, options.data[split], {
      ...options.recall,
      signal: options.signal,
      onPrediction: (id, boxes, truth) => predictions.push({ id, truth, predictions: boxes }),
      onProgress: (done, total) => options.onProgress?.({ method, seed, phase: 'evaluate', step: done, total }),
    });
    run.evaluateMs += performance.now() - started;
    run.evaluated += run.evaluations[split]!.count;
  }
}

const valR1 = (run: SeedRun) => run.evaluations.val!.recall[1]!;

/** Seed 0 at every rate of the grid, scored on val; the best run stays alive (the others are
 * freed as soon as they lose), so the chosen rate's seed 0 is not tuned twice. */
async function searchRate(method: PromptMethodName, grid: readonly number[], options: CompareOptions): Promise<{ lr: number; run: SeedRun; lrSearch: Record<string, number> }> {
  if (grid.length === 0) throw new DiffPromptError('ERR_CONFIG', `${method}: the learning-rate grid is empty; give at least one rate`);
  const lrSearch: Record<string, number> = {};
  let best: { lr: number; run: SeedRun } | undefined;
  try {
    for (const lr of grid) {
      const run = await tuneSeed(method, 0, lr, options);
      try {
        await scoreSeed(method, run, 0, ['val'], options);
      } catch (error) {
        run.model.dispose();
        throw error;
      }
      lrSearch[String(lr)] = valR1(run);
      if (best && valR1(run) <= valR1(best.run)) {
        run.model.dispose();
      } else {
        best?.run.model.dispose();
        best = { lr, run };
      }
    }
  } catch (error) {
    best?.run.model.dispose();
    throw error;
  }
  return { ...best!, lrSearch };
}

export async function compareMethods(options: CompareOptions): Promise<ComparisonRow[]> {
  const rows: ComparisonRow[] = [];
  for (const method of options.methods) {
    const grid = method === 'zero-shot' ? [0] : [...(options.lrs?.[method] ?? [methodLearningRate(method, options.settings, GroundingModel.configIn(options.dirs.backbone).imageSize)])];
    const { lr, run: firstSeed, lrSearch } = await searchRate(method, grid, options);
    const runs: SeedScores[] = [];
    let trainableParameters: number;
    try {
      trainableParameters = firstSeed.model.trainableParameters();
      await scoreSeed(method, firstSeed, 0, COMPARISON_SPLITS, options);
      await options.onTuned?.(method, firstSeed.model);
    } finally {
      firstSeed.model.dispose();
    }
    runs.push(scoresOf(firstSeed));
    for (let seed = 1; seed < options.seeds; seed++) {
      const run = await tuneSeed(method, seed, lr, options);
      try {
        await scoreSeed(method, run, seed, COMPARISON_SPLITS, options);
      } finally {
        run.model.dispose();
      }
      runs.push(scoresOf(run));
    }
    const row: ComparisonRow = {
      method,
      trainableParameters,
      lr,
      lrSearch,
      splits: splitScores(runs.map((run) => run.evaluations as Record<ComparisonSplit, RecallSummary>)),
      trainSeconds: meanStd(runs.map((run) => run.seconds)),
      inferenceMsPerExpression: runs.reduce((a, run) => a + run.evaluateMs, 0) / runs.reduce((a, run) => a + run.evaluated, 0),
      losses: firstSeed.losses,
      predictions: runs.map((run) => run.predictions as Record<ComparisonSplit, ExpressionPredictions[]>),
    };
    rows.push(row);
    options.onRow?.(row);
  }
  return rows;
}

/** Mean ± std over seeds of R@1, R@5, R@10 and UB on each split. */
function splitScores(seeds: readonly Record<ComparisonSplit, RecallSummary>[]): Record<ComparisonSplit, SplitScores> {
  const scores = (split: ComparisonSplit): SplitScores => {
    const of = (pick: (e: RecallSummary) => number) => meanStd(seeds.map((seed) => pick(seed[split])));
    return { r1: of((e) => e.recall[1]!), r5: of((e) => e.recall[5]!), r10: of((e) => e.recall[10]!), ub: of((e) => e.upperBound) };
  };
  return { val: scores('val'), testA: scores('testA'), testB: scores('testB') };
}

/** The rows scored again from the ranked boxes they kept (another criterion, threshold or k),
 * without retraining; everything else stays as it was. */
export function rescoreComparison(rows: readonly ComparisonRow[], recall: RecallOptions): ComparisonRow[] {
  return rows.map((row) => {
    if (row.predictions.length === 0) throw new DiffPromptError('ERR_DATA', `the ${row.method} row kept no predictions to score again`);
    const seeds = row.predictions.map((splits) => Object.fromEntries(COMPARISON_SPLITS.map((split) => [split, scorePredictions(splits[split], recall)])) as Record<ComparisonSplit, RecallSummary>);
    return { ...row, splits: splitScores(seeds) };
  });
}
