// The comparison: every method tuned on the same frozen parts with the same steps, batch and
// seeds, its learning rate picked from a grid by val R@1 (first seed), then scored on val, testA
// and testB as mean ± std over seeds. Results are what they are; the table says who wins.
import type { SampleSource } from '../data/batching';
import { abortedError } from '../errors';
import { type GroundingEvaluation, evaluateGrounding } from '../eval/evaluate-grounding';
import type { DiffPromptPartDirs } from '../models/diff-prompt';
import { buildPromptMethod, DEFAULT_LEARNING_RATES, type MethodSettings, type PromptMethodName, type TunableGrounding } from './prompt-methods';
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
  /** Learning rates tried per method (default: DEFAULT_LEARNING_RATES' one). */
  lrs?: Partial<Record<PromptMethodName, readonly number[]>>;
  settings?: MethodSettings;
  signal?: AbortSignal;
  onProgress?: (event: CompareProgress) => void;
  /** Called with each method's row as soon as it is done. */
  onRow?: (row: ComparisonRow) => void;
  /** Called with each method's first-seed model after it is scored, before it is freed (for pictures). */
  onTuned?: (method: PromptMethodName, model: TunableGrounding) => Promise<void>;
}

export function meanStd(values: readonly number[]): MeanStd {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

interface SeedRun {
  trainableParameters: number;
  seconds: number;
  losses: number[];
  evaluations: Partial<Record<ComparisonSplit, GroundingEvaluation>>;
  evaluateMs: number;
  evaluated: number;
}

async function runSeed(method: PromptMethodName, seed: number, lr: number, splits: readonly ComparisonSplit[], options: CompareOptions, reported: boolean): Promise<SeedRun> {
  const model: TunableGrounding = await buildPromptMethod(method, options.dirs, { ...options.settings, seed });
  try {
    const tuned = await tunePrompts(model, options.data.train, {
      steps: options.steps,
      batchSize: options.batchSize,
      lr,
      seed,
      signal: options.signal,
      onProgress: (event) => options.onProgress?.({ method, seed, phase: 'tune', step: event.step, total: event.totalSteps }),
    });
    const evaluations: SeedRun['evaluations'] = {};
    let evaluateMs = 0;
    let evaluated = 0;
    for (const split of splits) {
      if (options.signal?.aborted) throw abortedError('the comparison', options.signal);
      const started = performance.now();
      evaluations[split] = await evaluateGrounding(model, options.data[split], {
        signal: options.signal,
        onProgress: (done, total) => options.onProgress?.({ method, seed, phase: 'evaluate', step: done, total }),
      });
      evaluateMs += performance.now() - started;
      evaluated += evaluations[split]!.count;
    }
    if (reported && seed === 0) await options.onTuned?.(method, model);
    return { trainableParameters: model.trainableParameters(), seconds: tuned.seconds, losses: tuned.losses, evaluations, evaluateMs, evaluated };
  } finally {
    model.dispose();
  }
}

export async function compareMethods(options: CompareOptions): Promise<ComparisonRow[]> {
  const rows: ComparisonRow[] = [];
  for (const method of options.methods) {
    const grid = method === 'zero-shot' ? [0] : [...(options.lrs?.[method] ?? [DEFAULT_LEARNING_RATES[method]])];
    // The learning rate: the grid's best val R@1 with seed 0. With one rate that run is seed 0's
    // reported run; with a grid, seed 0 runs again at the chosen rate and is scored on every split.
    const tried = new Map<number, SeedRun>();
    for (const lr of grid) tried.set(lr, await runSeed(method, 0, lr, grid.length > 1 ? ['val'] : COMPARISON_SPLITS, options, grid.length === 1));
    const lr = grid.reduce((best, candidate) => (tried.get(candidate)!.evaluations.val!.recall[1]! > tried.get(best)!.evaluations.val!.recall[1]! ? candidate : best));
    const firstSeed = grid.length > 1 ? await runSeed(method, 0, lr, COMPARISON_SPLITS, options, true) : tried.get(lr)!;
    const runs = [firstSeed];
    for (let seed = 1; seed < options.seeds; seed++) runs.push(await runSeed(method, seed, lr, COMPARISON_SPLITS, options, true));
    const scores = (split: ComparisonSplit): SplitScores => {
      const of = (pick: (e: GroundingEvaluation) => number) => meanStd(runs.map((run) => pick(run.evaluations[split]!)));
      return { r1: of((e) => e.recall[1]!), r5: of((e) => e.recall[5]!), r10: of((e) => e.recall[10]!), ub: of((e) => e.upperBound) };
    };
    const row: ComparisonRow = {
      method,
      trainableParameters: firstSeed.trainableParameters,
      lr,
      lrSearch: Object.fromEntries([...tried].map(([rate, run]) => [String(rate), run.evaluations.val!.recall[1]!])),
      splits: { val: scores('val'), testA: scores('testA'), testB: scores('testB') },
      trainSeconds: meanStd(runs.map((run) => run.seconds)),
      inferenceMsPerExpression: runs.reduce((a, run) => a + run.evaluateMs, 0) / runs.reduce((a, run) => a + run.evaluated, 0),
      losses: firstSeed.losses,
    };
    rows.push(row);
    options.onRow?.(row);
  }
  return rows;
}
