// The baselines and Diff-Prompt on one frozen backbone: each method's trainable set, that tuning
// moves only those parameters, and the comparison's table rows (learning rate picked on val).
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { worldSource } from '../lib/data/world';
import { readSafetensors } from '../lib/io/safetensors';
import type { Tensor } from '../lib/tensor';
import { GroundingModel } from '../lib/models/grounding-model';
import { MaskVae } from '../lib/models/mask-vae';
import { PromptGenerator } from '../lib/models/prompt-generator';
import { compareMethods, meanStd } from '../lib/stages/compare-methods';
import { buildPromptMethod, PROMPT_METHODS, type PromptMethodName } from '../lib/models/prompt-methods';
import { tunePrompts } from '../lib/stages/tune-prompts';
import { comparisonMarkdown } from '../lib/report/comparison-report';
import { groundingBatch, SMALL_GROUNDING } from './support/grounding-fixtures';
import { tempDir } from './support/temp-dir';

const test = suite('prompt methods');

const dir = tempDir();
const dirs = { backbone: path.join(dir, 'backbone'), vae: path.join(dir, 'vae'), generator: path.join(dir, 'generator') };
const train = worldSource({ seed: 0, split: 'train', family: 'target', count: 24, size: 32 });
const held = (split: 'val' | 'testA' | 'testB') => worldSource({ seed: 0, split, family: 'target', count: 4, size: 32 });
const SETTINGS = { length: 2, diffPrompt: { visualDepth: 2, textualDepth: 2, length: 2, samplingSteps: 6, stride: 2, alignWidth: 8 } };

test.before(async () => {
  using backbone = await GroundingModel.create(SMALL_GROUNDING);
  using vae = await MaskVae.create({ blockChannels: [4, 8, 8, 8], layersPerBlock: 1, latentChannels: 4, normGroups: 4, sampleSize: 32, seed: 2 });
  using generator = await PromptGenerator.create({ inputSize: 4, inChannels: 4, patchSize: 1, hiddenSize: 32, depth: 1, numHeads: 2, imageConditionWidth: 32, textConditionWidth: 32, seed: 5 });
  await backbone.save(dirs.backbone);
  await vae.save(dirs.vae);
  await generator.save(dirs.generator);
});

/** Which parameter names each method trains. */
const TRAINS: Record<Exclude<PromptMethodName, 'diff-prompt' | 'diff-prompt-no-align'>, (name: string) => boolean> = {
  'zero-shot': () => false,
  'linear-probe': (name) => name.startsWith('head.') && !name.startsWith('head.tower') && !name.startsWith('head.cls_logits'),
  'vpt-deep': (name) => name === 'prompts.visual',
  coop: (name) => name === 'prompts.textual',
  's-prompts': (name) => name === 'prompts.visual' || name === 'prompts.textual',
  maple: (name) => name === 'prompts.textual' || name.startsWith('prompts.coupling.'),
  'clip-adapter': (name) => name.startsWith('adapter.'),
  fedtpg: (name) => name.startsWith('prompts.generators.'),
  'full-finetune': () => true,
};

test('each method trains its own set, and tuning moves nothing else', async () => {
  for (const method of PROMPT_METHODS) {
    const model = await buildPromptMethod(method, dirs, { ...SETTINGS, seed: 1 });
    const before = path.join(dir, `${method}-before`);
    const after = path.join(dir, `${method}-after`);
    await model.save(before);
    const tuned = await tunePrompts(model, train, { steps: 2, batchSize: 4, lr: 1e-2, seed: 1 });
    await model.save(after);
    assert.is(tuned.losses.length, method === 'zero-shot' ? 0 : 2, method);
    const [a, b] = [await readSafetensors(path.join(before, 'model.safetensors')), await readSafetensors(path.join(after, 'model.safetensors'))];
    const changed: string[] = [];
    for (const [name, tensor] of a.tensors) {
      const [x, y] = [await tensor.data<'float32'>(), await b.tensors.get(name)!.data<'float32'>()];
      if (x.some((v, i) => v !== y[i])) changed.push(name);
    }
    if (method === 'diff-prompt' || method === 'diff-prompt-no-align') {
      assert.ok(changed.length > 0 && changed.every((name) => /^(visual_adapter|textual_adapter|align)\./.test(name)), `${method}: ${changed}`);
      assert.ok(JSON.parse(fs.readFileSync(path.join(after, 'parts.json'), 'utf8')).backbone.path.endsWith('backbone'));
    } else {
      const trains = TRAINS[method];
      assert.ok(changed.every(trains), `${method} changed ${changed.filter((n) => !trains(n))}`);
      if (method !== 'zero-shot') assert.ok(changed.length > 0, `${method} changed nothing`);
      const expected = [...a.tensors].filter(([name]) => trains(name)).reduce((sum, [, tensor]) => sum + tensor.shape.reduce((n, d) => n * d, 1), 0);
      assert.is(model.trainableParameters(), method === 'zero-shot' ? 0 : expected, method);
    }
    for (const file of [a, b]) for (const tensor of file.tensors.values()) tensor.dispose();
    model.dispose();
  }
});

/** Sample b of a B×L×D tensor as L rows of D numbers. */
async function tokensOf(tensor: Tensor, b: number): Promise<number[][]> {
  const [, length, width] = tensor.shape as [number, number, number];
  const values = await tensor.data<'float32'>();
  return Array.from({ length }, (_, l) => Array.from(values.subarray((b * length + l) * width, (b * length + l + 1) * width)));
}

const close = (x: number[][], y: number[][]) => x.every((row, l) => row.every((v, d) => Math.abs(v - y[l]![d]!) <= 1e-5 * (1 + Math.abs(v))));

test("MaPLe: block j's visual prompts are coupling.j of text layer j's prompts", async () => {
  using model = await GroundingModel.loadWithPrompts(dirs.backbone, { visualPromptDepth: 2, visualPromptLength: 3, textPromptDepth: 2, textPromptLength: 3, coupledVisualPrompts: true, seed: 4 });
  const saved = path.join(dir, 'maple');
  await model.save(saved);
  const weights = await readSafetensors(path.join(saved, 'model.safetensors'));
  const prompts = await model.ownPrompts(await groundingBatch(model, { split: 'val', family: 'target', count: 2 }));
  assert.equal(
    prompts.visual.map((t) => t.shape),
    [
      [2, 3, 32],
      [2, 3, 32],
    ],
  );
  for (const j of [0, 1]) {
    const weight = await weights.tensors.get(`prompts.coupling.${j}.weight`)!.data<'float32'>(); // Dv×Dt
    const bias = await weights.tensors.get(`prompts.coupling.${j}.bias`)!.data<'float32'>();
    const textual = await tokensOf(prompts.textual[j]!, 1);
    const expected = textual.map((t) => Array.from(bias, (b, o) => b + t.reduce((sum, x, i) => sum + weight[o * t.length + i]! * x, 0)));
    assert.ok(close(await tokensOf(prompts.visual[j]!, 1), expected), `layer ${j}`);
  }
  for (const tensor of [...weights.tensors.values(), ...prompts.visual, ...prompts.textual]) tensor.dispose();
});

test('FedTPG: each expression gets its own prompts, its L tokens differ, and its batch does not matter', async () => {
  using model = await GroundingModel.loadWithPrompts(dirs.backbone, { textPromptDepth: 2, textPromptLength: 4, expressionTextPrompts: true, expressionPromptHeads: 2, seed: 4 });
  const batch = await groundingBatch(model, { split: 'val', family: 'target', count: 2 });
  assert.not.equal(batch.expressions[0], batch.expressions[1]);
  const pair = await model.ownPrompts(batch);
  const alone = await model.ownPrompts(await groundingBatch(model, { split: 'val', family: 'target', count: 1 }));
  assert.equal(pair.visual, []);
  for (const j of [0, 1]) {
    const [first, second] = [await tokensOf(pair.textual[j]!, 0), await tokensOf(pair.textual[j]!, 1)];
    assert.ok(!close(first, second), `layer ${j}: two expressions, one prompt`);
    assert.ok(!close([first[0]!], [first[1]!]), `layer ${j}: identical tokens (the single-key form)`);
    assert.ok(close(await tokensOf(alone.textual[j]!, 0), first), `layer ${j}: depends on the batch`);
  }
  for (const tensor of [...pair.textual, ...alone.textual]) tensor.dispose();
});

test('compare: one row per method, the learning rate that scored best on val, mean ± std over seeds', async () => {
  const rows = await compareMethods({
    methods: ['zero-shot', 'linear-probe'],
    dirs,
    data: { train, val: held('val'), testA: held('testA'), testB: held('testB') },
    seeds: 2,
    steps: 2,
    batchSize: 4,
    lrs: { 'linear-probe': [1e-3, 1e-2] },
    settings: SETTINGS,
  });
  assert.equal(
    rows.map((row) => row.method),
    ['zero-shot', 'linear-probe'],
  );
  const probe = rows[1]!;
  assert.equal(Object.keys(probe.lrSearch).sort(), ['0.001', '0.01']);
  assert.is(probe.lrSearch[String(probe.lr)], Math.max(...Object.values(probe.lrSearch)));
  assert.is(rows[0]!.splits.testA.r1.std, 0, 'zero-shot does not depend on the seed');
  const table = comparisonMarkdown(rows, 2);
  assert.match(table, /\| linear-probe \| [\d,]+ \| 0\.0\d+ \|/);
  assert.equal(meanStd([1, 3]), { mean: 2, std: Math.SQRT2 });
});

test.run();
