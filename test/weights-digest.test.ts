// A weights file's identity is its tensors: metadata and write order do not change it, a changed
// value does, a model digests its weights natively to the same value, and a file that is not
// safetensors is ERR_CHECKPOINT.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { groundingPreset } from '../lib/config/grounding-config';
import { maskVaePreset } from '../lib/config/mask-vae-config';
import { promptGeneratorPreset } from '../lib/config/prompt-generator-config';
import { weightsDigest } from '../lib/io/weights-digest';
import { GroundingModel } from '../lib/models/grounding-model';
import { MaskVae } from '../lib/models/mask-vae';
import { PromptGenerator } from '../lib/models/prompt-generator';
import { writeSafetensors } from '../lib/io/safetensors';
import { Tensor } from '../lib/tensor';
import { expectError } from './support/expect-error';
import { tempDir } from './support/temp-dir';

const test = suite('weights digest');
const dir = tempDir();

async function write(name: string, tensors: [string, Float32Array, number[]][], metadata: Record<string, string>): Promise<string> {
  const file = path.join(dir, name);
  const made = tensors.map(([key, values, shape]) => [key, Tensor.from(values, shape)] as [string, Tensor]);
  await writeSafetensors(file, new Map(made), metadata);
  for (const [, tensor] of made) tensor.dispose();
  return file;
}

test('the same tensors under other metadata and in another order have one digest; another value or shape changes it', async () => {
  const a = Float32Array.from([1, 2, 3, 4]);
  const b = Float32Array.from([5, 6]);
  const base = await weightsDigest(
    await write(
      'base.safetensors',
      [
        ['x', a, [2, 2]],
        ['y', b, [2]],
      ],
      { config: '{"depth":2}' },
    ),
  );
  assert.is(
    await weightsDigest(
      await write(
        'renamed-config.safetensors',
        [
          ['y', b, [2]],
          ['x', a, [2, 2]],
        ],
        { config: '{"depth":2,"newKey":false}' },
      ),
    ),
    base,
  );
  assert.is.not(
    await weightsDigest(
      await write(
        'value.safetensors',
        [
          ['x', Float32Array.from([1, 2, 3, 5]), [2, 2]],
          ['y', b, [2]],
        ],
        {},
      ),
    ),
    base,
  );
  assert.is.not(
    await weightsDigest(
      await write(
        'shape.safetensors',
        [
          ['x', a, [4]],
          ['y', b, [2]],
        ],
        {},
      ),
    ),
    base,
  );
});

test("a model's native in-memory digest equals the digest of the file it saves, for every model kind", async () => {
  const models = [
    await MaskVae.create({ ...maskVaePreset('tiny'), seed: 1 }),
    await GroundingModel.create({ ...groundingPreset('tiny'), seed: 2 }),
    await PromptGenerator.create({ ...promptGeneratorPreset('tiny'), seed: 3 }),
  ];
  const digests = new Set<string>();
  for (const [i, model] of models.entries()) {
    const folder = path.join(dir, `model-${i}`);
    await model.save(folder);
    const inMemory = await model.weightsSha256();
    assert.is(inMemory, await weightsDigest(path.join(folder, 'model.safetensors')), model.kind);
    digests.add(inMemory);
    model.dispose();
  }
  assert.is(digests.size, 3);
});

test('a missing, truncated or malformed file is ERR_CHECKPOINT', async () => {
  await expectError('ERR_CHECKPOINT', () => weightsDigest(path.join(dir, 'missing.safetensors')), /does not exist/);
  const whole = fs.readFileSync(path.join(dir, 'base.safetensors'));
  fs.writeFileSync(path.join(dir, 'cut.safetensors'), whole.subarray(0, whole.length - 3));
  await expectError('ERR_CHECKPOINT', () => weightsDigest(path.join(dir, 'cut.safetensors')), /ends early/);
  fs.writeFileSync(path.join(dir, 'text.safetensors'), 'not a safetensors file at all');
  await expectError('ERR_CHECKPOINT', () => weightsDigest(path.join(dir, 'text.safetensors')));
  const header = Buffer.from(JSON.stringify({ x: { dtype: 'F32', shape: [2] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  fs.writeFileSync(path.join(dir, 'no-offsets.safetensors'), Buffer.concat([length, header, Buffer.alloc(8)]));
  await expectError('ERR_CHECKPOINT', () => weightsDigest(path.join(dir, 'no-offsets.safetensors')), /tensor x lacks/);
});

test.run();
