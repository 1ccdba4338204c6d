// diff-prompt demo: the whole method on the embedded default, on quick budgets. It loads the
// shipped frozen parts (pretrained/: grounding model, Mask-VAE, prompt generator; each made by
// its own command, or by this one with --from-scratch), shows what each stage does on held-out
// generated data, then tunes Diff-Prompt and baselines on the generated world's target
// expressions and compares them. Everything lands in a report folder: report.md, the comparison
// as JSON, loss curves, predicted boxes and a mask trajectory, as PNGs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { makeBatch } from '../data/batching';
import { worldMaskSet } from '../data/mask-sets';
import type { Box } from '../data/sample';
import { worldSample, worldSource } from '../data/world';
import { DiffPromptError } from '../errors';
import { evaluateGenerator } from '../eval/evaluate-generator';
import { evaluateGrounding } from '../eval/evaluate-grounding';
import { evaluateReconstruction } from '../eval/mask-reconstruction';
import type { DiffPromptPartDirs } from '../models/diff-prompt';
import type { PromptMethod } from '../models/prompt-method';
import type { PromptMethodName } from '../models/prompt-methods';
import { GroundingModel } from '../models/grounding-model';
import { MaskVae } from '../models/mask-vae';
import { shippedParts } from '../io/shipped-parts';
import { drawSampleGrid } from '../pictures/sample-grid';
import { comparisonMarkdown, writeComparisonReport } from '../report/comparison-report';
import { runtimeInfo } from '../runtime';
import { compareMethods, type ComparisonRow } from '../stages/compare-methods';
import { drawGeneratorTrajectories, generatorLine, withTrainedGenerator } from './generator-command';
import { recallLine } from './grounding-command';
import { integer } from './parse-flags';
import { ProgressBar } from './progress-bar';
import { tuningData } from './tune-command';
import { drawReconstructions } from './vae-command';

/** Diff-Prompt and the baselines the demo compares (compare --methods all runs the rest). */
const DEMO_METHODS: PromptMethodName[] = ['zero-shot', 'linear-probe', 'vpt-deep', 'coop', 'diff-prompt'];

interface DemoOptions {
  out: string;
  steps: string;
  evalCount: string;
  fromScratch?: boolean;
}

/** --from-scratch: each stage by its own command (same process flags), on smaller budgets. */
function trainParts(out: string): DiffPromptPartDirs {
  const dirs = { backbone: path.join(out, 'parts', 'grounding-tiny'), vae: path.join(out, 'parts', 'mask-vae-tiny'), generator: path.join(out, 'parts', 'generator-tiny') };
  const commands = [
    ['vae', 'train', '--out', dirs.vae, '--epochs', '3', '--count', '20000'],
    ['grounding', 'pretrain', '--out', dirs.backbone, '--epochs', '3', '--count', '16000'],
    ['generator', 'train', '--conditioner', dirs.backbone, '--vae', dirs.vae, '--out', dirs.generator, '--steps', '3000', '--checkpoint-every', '1000'],
  ];
  for (const args of commands) {
    console.log(`\n$ diff-prompt ${args.join(' ')}`);
    const run = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...args], { stdio: 'inherit' });
    if (run.status !== 0) throw new DiffPromptError('ERR_DATA', `diff-prompt ${args.slice(0, 2).join(' ')} failed (exit ${run.status}): see its output above`);
  }
  return dirs;
}

/** Stage 1: the Mask-VAE on masks it never saw, and a picture of its reconstructions. */
async function showMaskVae(dir: string, out: string, lines: string[]): Promise<void> {
  const { model } = await MaskVae.load(dir);
  using vae = model;
  const summary = await evaluateReconstruction(vae, worldMaskSet({ seed: 7, split: 'val', count: 256, size: vae.config.sampleSize }));
  lines.push(
    `Stage 1, Mask-VAE (${vae.parameterCount().toLocaleString('en-US')} parameters): ${summary.count} held-out masks → ${vae.latentShape.join('×')} latents → back, mean IoU ${summary.meanIoU.toFixed(3)}`,
  );
  await drawReconstructions(dir, path.join(out, 'mask-vae-reconstruction.png'));
}

/** The frozen backbone on held-out source and target expressions. */
async function showBackbone(dir: string, lines: string[]): Promise<void> {
  const { model } = await GroundingModel.load(dir);
  using grounding = model;
  for (const family of ['source', 'target'] as const) {
    const evaluation = await evaluateGrounding(grounding, worldSource({ seed: 7, split: 'val', family, count: 300, size: grounding.config.imageSize }));
    const kind = family === 'source' ? 'attribute expressions, as pretrained' : 'relations and ordinals, zero-shot: what stage 3 is for';
    lines.push(`Frozen grounding model (${grounding.parameterCount().toLocaleString('en-US')} parameters), val/${family} (${kind}): ${recallLine(evaluation)}`);
  }
}

/** Stage 2: the generator's masks on held-out samples, and a picture of its trajectory. */
async function showGenerator(dirs: DiffPromptPartDirs, out: string, lines: string[]): Promise<void> {
  await withTrainedGenerator({ generator: dirs.generator, conditioner: dirs.backbone, vae: dirs.vae }, async (generator, parts) => {
    const evaluation = await evaluateGenerator(generator, parts, worldSource({ seed: 7, split: 'val', count: 128, size: parts.conditioner.config.imageSize }));
    lines.push(`Stage 2, prompt generator (${generator.parameterCount().toLocaleString('en-US')} parameters, DDIM 25): ${generatorLine(evaluation)}`);
    await drawGeneratorTrajectories(generator, parts, { split: 'val', count: 6, seed: 7, steps: 25, out: path.join(out, 'mask-trajectory.png') });
  });
}

/** Top-1 boxes of a tuned method on held-out target expressions (true box green, prediction red). */
async function drawPredictions(method: PromptMethod, file: string): Promise<void> {
  const size = Number(method.batchOptions().size);
  const samples = Array.from({ length: 8 }, (_, i) => worldSample({ seed: 7, split: 'testB', family: 'target', count: 8, size }, i));
  const ranked = await method.predict(await makeBatch(samples, method.batchOptions()), { topK: 1 });
  const predictions = ranked.map((boxes): Box | undefined => boxes[0] && [boxes[0].box[0], boxes[0].box[1], boxes[0].box[2] - boxes[0].box[0], boxes[0].box[3] - boxes[0].box[1]]);
  fs.writeFileSync(file, (await drawSampleGrid(samples, { predictions, pictureSize: 160 })).png);
}

function reportMarkdown(lines: readonly string[], rows: readonly ComparisonRow[], steps: number, evalCount: number, seconds: number): string {
  return [
    '# diff-prompt demo',
    '',
    ...lines.map((line) => `- ${line}`),
    '',
    `## Stage 3: prompt methods on the frozen backbone (${steps} steps each, one seed, ${evalCount} target expressions per split)`,
    '',
    'R@k and UB in percent at GIoU ≥ 0.5 (the evaluator of record, MDETR/GLIP). These are quick budgets: `diff-prompt compare` gives the figures worth quoting.',
    '',
    comparisonMarkdown(rows, 1),
    `Pictures: mask-vae-reconstruction.png, mask-trajectory.png (noisy → clean decoded masks), predictions-diff-prompt.png and predictions-zero-shot.png (true box green, top-1 red), comparison.png, loss-curves.png.`,
    '',
    `The demo took ${seconds.toFixed(0)} s.`,
    '',
  ].join('\n');
}

async function runDemo(options: DemoOptions): Promise<void> {
  const started = performance.now();
  const info = runtimeInfo();
  console.log(`diff-prompt on libtorch ${info.torchVersion} (${info.torchOrigin}), ${info.threads} threads, BLAS ${info.blas.kind}; CUDA: ${info.cuda.reason}`);
  const out = path.resolve(options.out);
  fs.mkdirSync(out, { recursive: true });
  const dirs = options.fromScratch ? trainParts(out) : shippedParts();
  for (const [name, dir] of Object.entries(dirs)) {
    if (!fs.existsSync(path.join(dir, 'model.safetensors')))
      throw new DiffPromptError('ERR_CHECKPOINT', `no ${name} at ${dir}: run the demo with --from-scratch, or make it with its own command (see the README)`);
  }
  const lines: string[] = [];
  await showMaskVae(dirs.vae, out, lines);
  console.log(lines.at(-1));
  await showBackbone(dirs.backbone, lines);
  console.log(lines.slice(-2).join('\n'));
  await showGenerator(dirs, out, lines);
  console.log(lines.at(-1));

  const steps = integer(options.steps, '--steps', 1);
  const evalCount = integer(options.evalCount, '--eval-count', 1);
  const data = tuningData(dirs, { count: 4000, evalCount, seed: 7 });
  console.log(`\nStage 3: tuning ${DEMO_METHODS.join(', ')} for ${steps} steps each on generated target expressions`);
  let bar: ProgressBar | undefined;
  let barLabel = '';
  const rows = await compareMethods({
    methods: DEMO_METHODS,
    dirs,
    data,
    seeds: 1,
    steps,
    onProgress: (event) => {
      const label = `${event.method} ${event.phase === 'tune' ? 'tune' : 'eval'}`;
      if (label !== barLabel) {
        bar?.stop();
        bar = new ProgressBar(label);
        barLabel = label;
      }
      bar!.update({ step: event.step, total: event.total, values: {} });
    },
    onTuned: async (method, model) => {
      if (method === 'diff-prompt' || method === 'zero-shot') await drawPredictions(model, path.join(out, `predictions-${method}.png`));
    },
  });
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  await writeComparisonReport(out, rows, { seeds: 1, steps, evalCount, parts: dirs });
  fs.writeFileSync(path.join(out, 'report.md'), reportMarkdown(lines, rows, steps, evalCount, seconds));
  console.log(`\n${comparisonMarkdown(rows, 1)}`);
  console.log(`demo finished in ${seconds.toFixed(0)} s; report in ${path.join(out, 'report.md')}`);
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the method end to end on the embedded default: each stage on held-out data, then Diff-Prompt against baselines')
    .option('--out <dir>', 'report folder', 'demo-output')
    .option('--steps <n>', 'tuning steps per method', '60')
    .option('--eval-count <n>', 'target expressions per scored split', '200')
    .option('--from-scratch', 'train the Mask-VAE, the grounding model and the generator first (into <out>/parts)')
    .action(runDemo);
}
