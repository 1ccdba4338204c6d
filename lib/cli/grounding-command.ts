// diff-prompt grounding: the frozen foundation.
//   grounding pretrain  trains the grounding model on the generated world's `source` expressions
//   grounding eval      Recall@k on generated splits
// and diff-prompt eval --refcoco FILE --images DIR: Recall@k of a grounding model on real data.
import path from 'node:path';
import type { Command } from 'commander';
import { groundingPreset } from '../config/grounding-config';
import { readReferringFile } from '../data/readers/referring-file';
import { type WorldFamily, type WorldSplit, WORLD_SPLITS, worldSource } from '../data/world';
import { DiffPromptError } from '../errors';
import { type GroundingEvaluation, evaluateGrounding } from '../eval/evaluate-grounding';
import type { OverlapCriterion } from '../eval/grounding-recall';
import { GroundingModel } from '../models/grounding-model';
import { pretrainGrounding } from '../stages/pretrain-grounding';
import { SHIPPED_BACKBONE, TRAINED_BACKBONE } from './default-folders';
import { integer, positiveNumber } from './parse-flags';
import { ProgressBar } from './progress-bar';
import { shipBest, trainingDir } from './shipped-folder';

function criterionOf(value: string): OverlapCriterion {
  if (value !== 'iou' && value !== 'giou') throw new DiffPromptError('ERR_CONFIG', `--criterion must be iou or giou, got '${value}'`);
  return value;
}

/** "R@1 0.912  R@5 0.990  R@10 0.998  UB 0.998  (600 expressions)" */
export function recallLine(evaluation: Pick<GroundingEvaluation, 'recall' | 'upperBound' | 'count'>): string {
  const ks = Object.entries(evaluation.recall).map(([k, r]) => `R@${k} ${r.toFixed(3)}`);
  return `${ks.join('  ')}  UB ${evaluation.upperBound.toFixed(3)}  (${evaluation.count} expressions)`;
}

interface PretrainOptions {
  preset: string;
  out: string;
  count: string;
  epochs: string;
  steps?: string;
  batchSize: string;
  lr?: string;
  seed: string;
  warmup: string;
  init?: string;
  resume?: boolean;
}

async function pretrain(options: PretrainOptions): Promise<void> {
  const seed = integer(options.seed, '--seed');
  const config = { ...groundingPreset(options.preset), seed };
  // --init continues from a trained folder's weights with a fresh optimizer and schedule.
  const initial = options.init ? (await GroundingModel.load(options.init)).model : undefined;
  const size = initial?.config.imageSize ?? config.imageSize;
  const data = worldSource({ seed, split: 'train', family: 'source', count: integer(options.count, '--count', 1), size });
  const heldOut = { 'val/source': worldSource({ seed, split: 'val', family: 'source', count: 600, size }) };
  console.log(`pretraining a ${options.preset} grounding model on ${data.count} generated source expressions → ${path.resolve(options.out)}`);
  const bar = new ProgressBar('grounding');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted: resume with --resume')));
  const started = performance.now();
  const { model, history, steps } = await pretrainGrounding(data, {
    ...(initial ? { model: initial } : { config }),
    warmupSteps: integer(options.warmup, '--warmup'),
    epochs: integer(options.epochs, '--epochs', 1),
    maxSteps: options.steps ? integer(options.steps, '--steps', 1) : undefined,
    batchSize: integer(options.batchSize, '--batch-size', 1),
    ...(options.lr === undefined ? {} : { lr: positiveNumber(options.lr, '--lr') }),
    seed,
    heldOut,
    checkpointDir: trainingDir(options.out),
    resume: options.resume,
    signal: controller.signal,
    onProgress: (event) => bar.update({ step: event.step, total: event.totalSteps, values: { loss: event.loss, lr: event.lr } }),
    onEpoch: (report) => {
      const scores = Object.entries(report.evaluation)
        .map(([name, e]) => `${name} ${recallLine(e)}`)
        .join('; ');
      process.stderr.write(`\nepoch ${report.epoch}: loss ${report.meanLoss.toFixed(4)}, ${scores}, ${report.seconds.toFixed(0)} s\n`);
    },
  });
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  const parameters = await shipBest(options.out, model, (dir) => GroundingModel.load(dir), { steps, seconds, secondsPerStep: seconds / Math.max(1, steps), history });
  console.log(`saved ${options.out} (${parameters} parameters, ${steps} steps in ${seconds.toFixed(0)} s)`);
}

interface EvalOptions {
  checkpoint: string;
  split: string;
  family: string;
  count: string;
  seed: string;
  criterion: string;
  json?: boolean;
}

async function evaluateWorld(options: EvalOptions): Promise<void> {
  const { model } = await GroundingModel.load(options.checkpoint);
  using grounding = model;
  const splits = options.split === 'all' ? ['val', 'testA', 'testB'] : [options.split];
  const families = options.family === 'both' ? ['source', 'target'] : [options.family];
  const results: Record<string, GroundingEvaluation> = {};
  for (const split of splits) {
    if (!(WORLD_SPLITS as readonly string[]).includes(split)) throw new DiffPromptError('ERR_CONFIG', `--split must be one of ${WORLD_SPLITS.join(', ')} or all`);
    for (const family of families) {
      const data = worldSource({
        seed: integer(options.seed, '--seed'),
        split: split as WorldSplit,
        family: family as WorldFamily,
        count: integer(options.count, '--count', 1),
        size: grounding.config.imageSize,
      });
      results[`${split}/${family}`] = await evaluateGrounding(grounding, data, { criterion: criterionOf(options.criterion) });
      if (!options.json) console.log(`${`${split}/${family}`.padEnd(14)} ${recallLine(results[`${split}/${family}`]!)}`);
    }
  }
  if (options.json) console.log(JSON.stringify(results));
}

interface RealEvalOptions {
  refcoco: string;
  images: string;
  checkpoint: string;
  split?: string;
  criterion: string;
  limit?: string;
  json?: boolean;
}

async function evaluateReal(options: RealEvalOptions): Promise<void> {
  const read = readReferringFile(options.refcoco, { imagesDir: options.images, onMissingImage: 'skip', onBadRecord: 'skip', split: options.split });
  const samples = options.limit ? read.samples.slice(0, integer(options.limit, '--limit', 1)) : read.samples;
  const { model } = await GroundingModel.load(options.checkpoint);
  using grounding = model;
  const bar = options.json ? undefined : new ProgressBar('eval');
  const evaluation = samples.length
    ? await evaluateGrounding(grounding, samples, { criterion: criterionOf(options.criterion), batchSize: 16, onProgress: (done, total) => bar?.update({ step: done, total, values: {} }) })
    : undefined;
  bar?.stop();
  const report = {
    file: options.refcoco,
    format: read.format,
    expressions: samples.length,
    missingImages: read.missingImages,
    skipped: read.skipped,
    ...(evaluation ? { recall: evaluation.recall, upperBound: evaluation.upperBound, noPrediction: evaluation.noPrediction } : {}),
  };
  if (options.json) {
    console.log(JSON.stringify(report));
    return;
  }
  console.log(
    `${options.refcoco} (${read.format}): ${samples.length} expressions with their image, ${read.missingImages} without (their image is not in ${options.images}), ${read.skipped - read.missingImages} bad records skipped`,
  );
  if (evaluation) console.log(recallLine(evaluation));
  else console.log('no expression had its image: nothing to evaluate (point --images at a folder of COCO train2014 images)');
}

export function registerGroundingCommand(program: Command): void {
  const grounding = program.command('grounding').description('the frozen foundation: a GLIP-style grounding model');
  grounding
    .command('pretrain')
    .description("pretrain on the generated world's source expressions (with no flags: the shipped tiny checkpoint)")
    .option('--preset <name>', 'tiny or paper', 'tiny')
    .option('--out <dir>', 'checkpoint folder', TRAINED_BACKBONE)
    .option('--count <n>', 'generated training expressions per epoch', '32000')
    .option('--epochs <n>', 'epochs', '6')
    .option('--steps <n>', 'stop after this many steps')
    .option('--batch-size <n>', 'batch size', '32')
    .option('--lr <rate>', "peak learning rate (warm-up, then cosine decay; default: the preset's)")
    .option('--seed <n>', 'seed of weights, data and order', '0')
    .option('--warmup <steps>', 'linear learning-rate warm-up steps', '200')
    .option('--init <dir>', "start from this grounding model folder's weights (fine-tuning)")
    .option('--resume', 'continue from <out>-training/last')
    .action(pretrain);
  grounding
    .command('eval')
    .description('Recall@1/5/10 and UB on generated splits')
    .option('--checkpoint <dir>', 'a grounding model folder', SHIPPED_BACKBONE)
    .option('--split <name>', 'val, testA, testB or all', 'all')
    .option('--family <name>', 'source, target or both', 'both')
    .option('--count <n>', 'expressions per split and family', '600')
    .option('--seed <n>', 'world seed', '0')
    .option('--criterion <name>', 'giou (the evaluator of record, MDETR/GLIP) or iou', 'giou')
    .option('--json', 'one JSON object')
    .action(evaluateWorld);
  program
    .command('eval')
    .description('Recall@k of a grounding model on a RefCOCO-format file (UNC/UMD eval JSON, MDETR or SeqTR) and COCO images')
    .requiredOption('--refcoco <file>', 'e.g. refcoco_val.json or finetune_refcoco_val.json')
    .requiredOption('--images <dir>', 'a folder of COCO train2014 images')
    .option('--checkpoint <dir>', 'a grounding model folder', SHIPPED_BACKBONE)
    .option('--split <name>', 'for SeqTR files: the split', 'val')
    .option('--criterion <name>', 'giou (the evaluator of record, MDETR/GLIP) or iou', 'giou')
    .option('--limit <n>', 'only the first n expressions that have their image')
    .option('--json', 'one JSON object')
    .action(evaluateReal);
}
