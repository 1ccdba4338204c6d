// diff-prompt tune and compare: prompt tuning (stage 3) of Diff-Prompt and the baselines on the
// frozen parts.
//   tune --method NAME   tunes one method on the generated world's train/target expressions,
//                        scores it on val, testA and testB (target), and saves what it trained
//   compare              tunes and scores every method (or --methods) over seeds; writes the
//                        table as Markdown and JSON, and charts, into --out
import path from 'node:path';
import type { Command } from 'commander';
import { type WORLD_SPLITS, worldSource } from '../data/world';
import { DiffPromptError } from '../errors';
import { evaluateGrounding } from '../eval/evaluate-grounding';
import type { DiffPromptPresetName } from '../config/diff-prompt-config';
import { DIFF_PROMPT_PRESETS } from '../config/diff-prompt-config';
import type { DiffPromptPartDirs } from '../models/diff-prompt';
import { GroundingModel } from '../models/grounding-model';
import { type MethodSettings, PROMPT_METHODS, type PromptMethodName, buildPromptMethod, isPromptMethod, methodLearningRate } from '../models/prompt-methods';
import type { OverlapCriterion } from '../eval/grounding-recall';
import { comparisonMarkdown, readComparison, writeComparisonReport } from '../report/comparison-report';
import { COMPARISON_SPLITS, compareMethods, rescoreComparison } from '../stages/compare-methods';
import { tunePrompts } from '../stages/tune-prompts';
import { SHIPPED_BACKBONE, SHIPPED_GENERATOR, SHIPPED_VAE } from './default-folders';
import { recallLine } from './grounding-command';
import { integer, nonNegativeNumber, positiveNumber } from './parse-flags';
import { ProgressBar } from './progress-bar';

interface PartOptions {
  backbone: string;
  vae: string;
  generator: string;
  preset?: string;
  lr?: string;
  alignmentWeight?: string;
}

interface DataOptions {
  count: string;
  evalCount: string;
  seed: string;
}

function partDirs(options: PartOptions): DiffPromptPartDirs {
  return { backbone: options.backbone, vae: options.vae, generator: options.generator };
}

function presetOf(name: string | undefined): DiffPromptPresetName | undefined {
  if (name === undefined) return undefined;
  if (!(name in DIFF_PROMPT_PRESETS)) throw new DiffPromptError('ERR_CONFIG', `--preset must be one of ${Object.keys(DIFF_PROMPT_PRESETS).join(', ')}; got '${name}'`);
  return name as DiffPromptPresetName;
}

/** The flags that overlay a method's preset: Diff-Prompt's preset, the learning rate, the alignment weight. */
function methodSettings(options: PartOptions): MethodSettings {
  return {
    preset: presetOf(options.preset),
    ...(options.lr === undefined ? {} : { lr: positiveNumber(options.lr, '--lr') }),
    ...(options.alignmentWeight === undefined ? {} : { diffPrompt: { alignmentWeight: nonNegativeNumber(options.alignmentWeight, '--alignment-weight') } }),
  };
}

/** train/target for tuning; val, testA and testB (target) for scores; in the backbone's frame. */
export function tuningData(dirs: DiffPromptPartDirs, options: { count: number; evalCount: number; seed: number }) {
  const size = GroundingModel.configIn(dirs.backbone).imageSize;
  const split = (name: (typeof WORLD_SPLITS)[number], count: number) => worldSource({ seed: options.seed, split: name, family: 'target', count, size });
  return { train: split('train', options.count), val: split('val', options.evalCount), testA: split('testA', options.evalCount), testB: split('testB', options.evalCount) };
}

function methodOf(name: string): PromptMethodName {
  if (!isPromptMethod(name)) throw new DiffPromptError('ERR_CONFIG', `unknown method '${name}': use one of ${PROMPT_METHODS.join(', ')}`);
  return name;
}

interface TuneOptions extends PartOptions, DataOptions {
  method: string;
  steps: string;
  batchSize: string;
  out?: string;
}

async function tune(options: TuneOptions): Promise<void> {
  const method = methodOf(options.method);
  const dirs = partDirs(options);
  const seed = integer(options.seed, '--seed');
  const data = tuningData(dirs, { count: integer(options.count, '--count', 1), evalCount: integer(options.evalCount, '--eval-count', 1), seed });
  const model = await buildPromptMethod(method, dirs, { ...methodSettings(options), seed });
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
  try {
    console.log(`tuning ${method} (${model.trainableParameters().toLocaleString('en-US')} trainable parameters) on ${data.train.count} generated target expressions, lr ${model.lr}`);
    const bar = new ProgressBar(method);
    const tuned = await tunePrompts(model, data.train, {
      steps: integer(options.steps, '--steps'),
      batchSize: integer(options.batchSize, '--batch-size', 1),
      seed,
      signal: controller.signal,
      onProgress: (event) => bar.update({ step: event.step, total: event.totalSteps, values: { loss: event.loss, ...(event.alignment === undefined ? {} : { align: event.alignment }) } }),
    });
    bar.stop();
    console.log(`${tuned.losses.length} steps in ${tuned.seconds.toFixed(0)} s`);
    for (const split of COMPARISON_SPLITS) console.log(`${`${split}/target`.padEnd(13)} ${recallLine(await evaluateGrounding(model, data[split], { signal: controller.signal }))}`);
    if (options.out) {
      await model.save(options.out);
      console.log(`saved ${options.out}`);
    }
  } finally {
    model.dispose();
  }
}

interface CompareCommandOptions extends PartOptions, DataOptions {
  methods: string;
  seeds: string;
  steps: string;
  batchSize: string;
  lrGrid?: boolean;
  criterion: string;
  rescore?: string;
  out: string;
}

function criterionOf(value: string): OverlapCriterion {
  if (value !== 'iou' && value !== 'giou') throw new DiffPromptError('ERR_CONFIG', `--criterion must be giou or iou, got '${value}'`);
  return value;
}

/** --rescore: a kept comparison scored again under --criterion, written to --out. */
async function rescore(options: CompareCommandOptions): Promise<void> {
  const { meta, rows } = readComparison(options.rescore!);
  const criterion = criterionOf(options.criterion);
  const rescored = rescoreComparison(rows, { criterion });
  await writeComparisonReport(options.out, rescored, { ...meta, criterion, rescoredFrom: path.resolve(options.rescore!) });
  console.log(comparisonMarkdown(rescored, meta.seeds));
  console.log(`${options.rescore} scored again with ${criterion} ≥ 0.5; wrote ${options.out}`);
}

/** The grid searched with --lr-grid: the method's rate and a factor of 3 each side. */
function lrGrid(method: PromptMethodName, settings: MethodSettings, imageSize: number): number[] {
  const rate = methodLearningRate(method, settings, imageSize);
  return rate ? [rate / 3, rate, rate * 3] : [0];
}

export async function runComparison(options: CompareCommandOptions): Promise<void> {
  if (options.rescore) return rescore(options);
  const criterion = criterionOf(options.criterion);
  const methods = options.methods === 'all' ? [...PROMPT_METHODS] : options.methods.split(',').map((name) => methodOf(name.trim()));
  const dirs = partDirs(options);
  const seed = integer(options.seed, '--seed');
  const seeds = integer(options.seeds, '--seeds', 1);
  const steps = integer(options.steps, '--steps');
  const data = tuningData(dirs, { count: integer(options.count, '--count', 1), evalCount: integer(options.evalCount, '--eval-count', 1), seed });
  const settings = methodSettings(options);
  const imageSize = GroundingModel.configIn(dirs.backbone).imageSize;
  console.log(`comparing ${methods.join(', ')}: ${steps} steps, ${seeds} seed${seeds > 1 ? 's' : ''}, ${data.val.count} expressions per split (target family)`);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
  // One bar per method, seed and phase.
  let bar: ProgressBar | undefined;
  let barLabel = '';
  const progress = (label: string, step: number, total: number) => {
    if (label !== barLabel) {
      bar?.stop();
      bar = new ProgressBar(label);
      barLabel = label;
    }
    bar!.update({ step, total, values: {} });
  };
  const started = performance.now();
  const rows = await compareMethods({
    methods,
    dirs,
    data,
    seeds,
    steps,
    batchSize: integer(options.batchSize, '--batch-size', 1),
    settings,
    recall: { criterion },
    lrs: options.lrGrid ? Object.fromEntries(methods.map((method) => [method, lrGrid(method, settings, imageSize)])) : undefined,
    signal: controller.signal,
    onProgress: (event) => progress(`${event.method} #${event.seed} ${event.phase === 'tune' ? 'tune' : 'eval'}`, event.step, event.total),
    onRow: (row) =>
      process.stderr.write(
        `\n${row.method}: val R@1 ${(100 * row.splits.val.r1.mean).toFixed(1)}, testA ${(100 * row.splits.testA.r1.mean).toFixed(1)}, testB ${(100 * row.splits.testB.r1.mean).toFixed(1)}\n`,
      ),
  });
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  const files = await writeComparisonReport(options.out, rows, { seeds, steps, count: data.train.count, evalCount: data.val.count, seconds, parts: dirs, criterion });
  console.log(comparisonMarkdown(rows, seeds));
  console.log(`${seconds.toFixed(0)} s; wrote ${path.dirname(files.markdown)}/{comparison.md, comparison.json, predictions.json.gz, comparison.png, loss-curves.png}`);
}

export function registerTuneCommands(program: Command): void {
  const withParts = (command: Command) =>
    command
      .option('--backbone <dir>', 'the frozen grounding model', SHIPPED_BACKBONE)
      .option('--vae <dir>', 'the frozen Mask-VAE', SHIPPED_VAE)
      .option('--generator <dir>', 'the frozen prompt generator', SHIPPED_GENERATOR)
      .option('--count <n>', 'generated train/target expressions', '8000')
      .option('--eval-count <n>', 'expressions per scored split', '600')
      .option('--seed <n>', 'world seed (and the first run seed)', '0')
      .option('--batch-size <n>', 'batch size', '32')
      .option('--preset <name>', `Diff-Prompt's preset: ${Object.keys(DIFF_PROMPT_PRESETS).join(' or ')} (default: paper for a backbone of 224 pixels or more, else tiny)`)
      .option('--lr <rate>', "learning rate (default: the method's: Diff-Prompt's preset lr, or the baseline's rate)")
      .option('--alignment-weight <w>', "Diff-Prompt's alignment weight (default: the preset's)");
  withParts(program.command('tune').description('tune one prompt method on the frozen backbone and score it on val, testA and testB (target family)'))
    .requiredOption('--method <name>', PROMPT_METHODS.join(', '))
    .option('--steps <n>', 'training steps', '300')
    .option('--out <dir>', 'save what the method trained here')
    .action(tune);
  withParts(program.command('compare').description('tune and score every method over seeds; write the table (Markdown, JSON) and charts'))
    .option('--methods <list>', `all, or a comma-separated list of ${PROMPT_METHODS.join(', ')}`, 'all')
    .option('--seeds <n>', 'seeds per method (mean ± std)', '3')
    .option('--steps <n>', 'training steps per method', '300')
    .option('--lr-grid', "pick each method's learning rate on val from its rate (--lr or its own) ÷3, ×1, ×3")
    .option('--criterion <name>', 'giou (the evaluator of record, MDETR/GLIP) or iou, at ≥ 0.5', 'giou')
    .option('--rescore <dir>', 'score a kept comparison (its predictions.json.gz) again under --criterion instead of tuning')
    .option('--out <dir>', 'report folder', 'comparison')
    .action(runComparison);
}
