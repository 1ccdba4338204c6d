// A training step's random draws are seeded per sample (its id and the step: stepSeeds), so a
// sample's noise does not depend on the batch it lands in: the mean loss of one batch of four
// equals the mean of the losses of its two halves (each on a fresh copy of the same model),
// which the model's own shared stream cannot give.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeBatch } from '../lib/data/batching';
import { stepSeeds } from '../lib/data/sample-seed';
import { worldMaskSet, stackMasks } from '../lib/data/mask-sets';
import { GroundingModel } from '../lib/models/grounding-model';
import { MaskVae } from '../lib/models/mask-vae';
import { PromptGenerator } from '../lib/models/prompt-generator';
import { Tensor } from '../lib/tensor';
import { SMALL_STAGE2_GENERATOR, SMALL_STAGE2_VAE } from './support/generator-fixtures';
import { SMALL_GROUNDING, worldSamples } from './support/grounding-fixtures';

const test = suite('per-sample draws');
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a));

test('stepSeeds: one per id, the same for the same id and step, another for another step or run seed', () => {
  const seeds = stepSeeds(['a', 'b'], 0, 3);
  assert.equal(seeds, stepSeeds(['a', 'b'], 0, 3));
  assert.equal(stepSeeds(['b'], 0, 3), [seeds[1]]);
  assert.is.not(seeds[0], seeds[1]);
  assert.is.not(stepSeeds(['a'], 0, 4)[0], seeds[0]);
  assert.is.not(stepSeeds(['a'], 1, 3)[0], seeds[0]);
});

test('Mask-VAE: the reparameterisation noise of a sample is its own, whatever its batch', async () => {
  const set = worldMaskSet({ seed: 0, split: 'train', count: 4, size: 32 });
  const ids = [0, 1, 2, 3].map((i) => set.id(i));
  const lossOf = async (indices: number[], seeded: boolean) => {
    using model = await MaskVae.create(SMALL_STAGE2_VAE);
    using masks = Tensor.from(stackMasks(set, Uint32Array.from(indices)), [indices.length, 1, 32, 32]);
    const seeds = seeded
      ? stepSeeds(
          indices.map((i) => ids[i]!),
          7,
          0,
        )
      : undefined;
    return (await model.trainStep(masks, { lr: 1e-3, klWeight: 1, seeds })).loss;
  };
  const whole = await lossOf([0, 1, 2, 3], true);
  const halves = ((await lossOf([0, 1], true)) + (await lossOf([2, 3], true))) / 2;
  assert.ok(close(whole, halves), `${whole} vs ${halves}`);
  const shared = ((await lossOf([0, 1], false)) + (await lossOf([2, 3], false))) / 2;
  assert.not.ok(close(await lossOf([0, 1, 2, 3], false), shared), 'the shared stream depends on the batch');
});

test("prompt generator: a sample's posterior draw, timestep and noise are its own, whatever its batch", async () => {
  using conditioner = await GroundingModel.create(SMALL_GROUNDING);
  using vae = await MaskVae.create(SMALL_STAGE2_VAE);
  const samples = worldSamples({ split: 'train', family: 'both', count: 4 });
  const lossOf = async (indices: number[], seeded: boolean) => {
    using generator = await PromptGenerator.create(SMALL_STAGE2_GENERATOR);
    const batch = await makeBatch(
      indices.map((i) => samples[i]!),
      conditioner.batchOptions(),
    );
    const seeds = seeded ? stepSeeds(batch.ids, 3, 5) : undefined;
    return (await generator.trainOnBatch({ conditioner, vae }, batch, { lr: 1e-4, seeds })).loss;
  };
  const whole = await lossOf([0, 1, 2, 3], true);
  const halves = ((await lossOf([0, 1], true)) + (await lossOf([2, 3], true))) / 2;
  assert.ok(close(whole, halves), `${whole} vs ${halves}`);
  const shared = ((await lossOf([0, 1], false)) + (await lossOf([2, 3], false))) / 2;
  assert.not.ok(close(await lossOf([0, 1, 2, 3], false), shared), 'the shared stream depends on the batch');
});

test.run();
