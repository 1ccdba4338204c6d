// diff-prompt tune and compare: stage 3 and the baselines on the frozen parts.
//   tune --method NAME   tunes one method on the generated world's train/target expressions,
//                        scores it on val, testA and testB (target), and saves what it trained
//   compare              tunes and scores every method (or --methods) over seeds; writes the
//                        table as Markdown and JSON, and charts, into --out
import path from 'node:path';
import type { Command } from 'commander';
import { WORLD_SPLITS, worldSource } from '../data/world';
import { DiffPromptError } from '../errors';
import { evaluateGrounding } from '../eval/evaluate-grounding';
import type { DiffPromptPartDirs } from '../models/diff-prompt';
import { GroundingModel } from '../models/grounding-model';
import { writeComparisonReport, comparisonMarkdown } from '../report/comparison-report';
import { COMPARISON_SPLITS, compareMethods } from '../stages/compare-methods';
import { buildPromptMethod, DEFAULT_LEARNING_RATES, isPromptMethod, PROMPT_METHODS, type PromptMethodName } from '../stages/prompt-methods';
import { tunePrompts } from '../stages/tune-prompts';
import { DEFAULT_GENERATOR_DIR } from './generator-command';
import { DEFAULT_GROUNDING_DIR, recallLine } from './grounding-command';
import { integer, positiveNumber } from './parse-flags';
import { ProgressBar } from './progress-bar';
import { DEFAULT_VAE_DIR } from './vae-command';

interface PartOptions {
  backbone: string;
  vae: string;
  generator: string;
}

interface DataOptions {
  count: string;
  evalCount: string;
  seed: string;
}

function partDirs(options: PartOptions): DiffPromptPartDirs {
  return { backbone: options.backbone, vae: options.vae, generator: options.generator };
}

/** train/target for tuning; val, testA and testB (target) for scores; in the backbone's frame. */
export function stage3Data(dirs: DiffPromptPartDirs, options: { count: number; evalCount: number; seed: number }) {
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
  lr?: string;
  batchSize: string;
  alignmentWeight?: string;
  out?: string;
}

async function tune(options: TuneOptions): Promise<void> {
  const method = methodOf(options.method);
  const dirs = partDirs(options);
  const seed = integer(options.seed, '--seed');
  const data = stage3Data(dirs, { count: integer(options.count, '--count', 1), evalCount: integer(options.evalCount, '--eval-count', 1), seed });
  const diffPrompt = options.alignmentWeight === undefined ? {} : { alignmentWeight: Number(options.alignmentWeight) };
  const model = await buildPromptMethod(method, dirs, { seed, diffPrompt });
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
  try {
    const lr = options.lr ? positiveNumber(options.lr, '--lr') : DEFAULT_LEARNING_RATES[method];
    console.log(`tuning ${method} (${model.trainableParameters().toLocaleString('en-US')} trainable parameters) on ${data.train.count} generated target expressions, lr ${lr}`);
    const bar = new ProgressBar(method);
    const tuned = await tunePrompts(model, data.train, {
      steps: integer(options.steps, '--steps'),
      batchSize: integer(options.batchSize, '--batch-size', 1),
      lr,
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
  out: string;
}

/** The grid searched with --lr-grid: the default rate and a factor of 3 each side. */
function lrGrid(method: PromptMethodName): number[] {
  const rate = DEFAULT_LEARNING_RATES[method];
  return rate ? [rate / 3, rate, rate * 3] : [0];
}

export async function runComparison(options: CompareCommandOptions): Promise<void> {
  const methods = options.methods === 'all' ? [...PROMPT_METHODS] : options.methods.split(',').map((name) => methodOf(name.trim()));
  const dirs = partDirs(options);
  const seed = integer(options.seed, '--seed');
  const seeds = integer(options.seeds, '--seeds', 1);
  const steps = integer(options.steps, '--steps');
  const data = stage3Data(dirs, { count: integer(options.count, '--count', 1), evalCount: integer(options.evalCount, '--eval-count', 1), seed });
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
    lrs: options.lrGrid ? Object.fromEntries(methods.map((method) => [method, lrGrid(method)])) : undefined,
    signal: controller.signal,
    onProgress: (event) => progress(`${event.method} #${event.seed} ${event.phase === 'tune' ? 'tune' : 'eval'}`, event.step, event.total),
    onRow: (row) => process.stderr.write(`\n${row.method}: val R@1 ${(100 * row.splits.val.r1.mean).toFixed(1)}, testA ${(100 * row.splits.testA.r1.mean).toFixed(1)}, testB ${(100 * row.splits.testB.r1.mean).toFixed(1)}\n`),
  });
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  const files = await writeComparisonReport(options.out, rows, { seeds, steps, count: data.train.count, evalCount: data.val.count, seconds, parts: dirs });
  console.log(comparisonMarkdown(rows, seeds));
  console.log(`${seconds.toFixed(0)} s; wrote ${path.dirname(files.markdown)}/{comparison.md, comparison.json, comparison.png, loss-curves.png}`);
}

export function registerStage3Commands(program: Command): void {
  const withParts = (command: Command) =>
    command
      .option('--backbone <dir>', 'the frozen grounding model', DEFAULT_GROUNDING_DIR)
      .option('--vae <dir>', 'the frozen Mask-VAE', DEFAULT_VAE_DIR)
      .option('--generator <dir>', 'the frozen prompt generator', DEFAULT_GENERATOR_DIR)
      .option('--count <n>', 'generated train/target expressions', '8000')
      .option('--eval-count <n>', 'expressions per scored split', '600')
      .option('--seed <n>', 'world seed (and the first run seed)', '0')
      .option('--batch-size <n>', 'batch size', '32');
  withParts(program.command('tune').description('tune one prompt method on the frozen backbone and score it on val, testA and testB (target family)'))
    .requiredOption('--method <name>', PROMPT_METHODS.join(', '))
    .option('--steps <n>', 'training steps', '300')
    .option('--lr <rate>', "learning rate (default: the method's)")
    .option('--alignment-weight <w>', "Diff-Prompt's alignment weight (default: the config's)")
    .option('--out <dir>', 'save what the method trained here')
    .action(tune);
  withParts(program.command('compare').description('tune and score every method over seeds; write the table (Markdown, JSON) and charts'))
    .option('--methods <list>', `all, or a comma-separated list of ${PROMPT_METHODS.join(', ')}`, 'all')
    .option('--seeds <n>', 'seeds per method (mean ± std)', '3')
    .option('--steps <n>', 'training steps per method', '300')
    .option('--lr-grid', "pick each method's learning rate on val from its default ÷3, ×1, ×3")
    .option('--out <dir>', 'report folder', 'comparison')
    .action(runComparison);
}
