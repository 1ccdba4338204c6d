import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readSafetensors, writeSafetensors } from '../lib/io/safetensors';
import { Tensor } from '../lib/tensor';
import { expectError } from './support/expect-error';
import { tempDir } from './support/temp-dir';

const test = suite('safetensors');

/** A file built by hand to the format's spec, independent of the writer. */
function handMadeFile(header: object, data: Uint8Array): Buffer {
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json), data]);
}

test('reads a file written by hand to the spec', async () => {
  const dir = tempDir();
  const values = new Float32Array([1, 2, 3, 4, 5, 6]);
  const ids = new BigInt64Array([7n, -8n]);
  const data = new Uint8Array([...new Uint8Array(values.buffer), ...new Uint8Array(ids.buffer)]);
  const file = path.join(dir, 'hand.safetensors');
  fs.writeFileSync(
    file,
    handMadeFile(
      {
        __metadata__: { format: 'pt', note: 'hand made' },
        weight: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
        ids: { dtype: 'I64', shape: [2], data_offsets: [24, 40] },
      },
      data,
    ),
  );
  const read = await readSafetensors(file);
  assert.equal([...read.tensors.keys()], ['weight', 'ids']);
  assert.equal(read.metadata, { format: 'pt', note: 'hand made' });
  assert.equal(read.tensors.get('weight')!.shape, [2, 3]);
  assert.equal([...(await read.tensors.get('weight')!.data<'float32'>())], [...values]);
  assert.equal([...(await read.tensors.get('ids')!.data<'int64'>())], [7n, -8n]);
});

test('writes what the spec says and reads back every dtype with metadata', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'all.safetensors');
  const tensors = new Map<string, Tensor>([
    ['f32', Tensor.from(new Float32Array([1.5, -2]), [2])],
    ['f64', Tensor.from(new Float64Array([Math.E]), [1, 1])],
    ['i64', Tensor.from(new BigInt64Array([-(2n ** 60n)]), [1])],
    ['i32', Tensor.from(new Int32Array([-3, 4, 5]), [3])],
    ['u8', Tensor.from(new Uint8Array([200]), [1])],
    ['bool', Tensor.from(new Uint8Array([1, 0]), [2], 'bool')],
    ['f16', Tensor.from(new Uint16Array([0x3c00]), [1], 'float16')],
    ['bf16', Tensor.from(new Uint16Array([0x3f80, 0x4000]), [2], 'bfloat16')],
  ]);
  await writeSafetensors(file, tensors, { config: '{"a":1}', 'quote"key': 'line\nbreak' });
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  assert.is(headerLength % 8, 0, 'the data section is 8-byte aligned');
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString());
  assert.equal(header.f32, { dtype: 'F32', shape: [2], data_offsets: [0, 8] });
  assert.is(header.bf16.dtype, 'BF16');
  const read = await readSafetensors(file);
  assert.equal(read.metadata, { config: '{"a":1}', 'quote"key': 'line\nbreak' });
  for (const [name, tensor] of tensors) {
    const back = read.tensors.get(name)!;
    assert.is(back.dtype, tensor.dtype, name);
    assert.equal(back.shape, tensor.shape, name);
    assert.equal([...((await back.data()) as Iterable<unknown>)], [...((await tensor.data()) as Iterable<unknown>)], name);
  }
  assert.equal(fs.readdirSync(dir), ['all.safetensors'], 'no temporary file left behind');
});

test('empty tensors (a zero dimension) round-trip; a folder is not a file', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'empty.safetensors');
  await writeSafetensors(file, { none: Tensor.from(new Float32Array(0), [2, 3, 0]), one: Tensor.from(new Float32Array([5]), [1]) });
  const read = await readSafetensors(file);
  assert.equal(read.tensors.get('none')!.shape, [2, 3, 0]);
  assert.equal([...(await read.tensors.get('one')!.data())], [5]);
  await expectError('ERR_CHECKPOINT', () => readSafetensors(dir), 'is not a file');
  const wide = path.join(dir, 'wide.safetensors');
  fs.writeFileSync(wide, handMadeFile({ w: { dtype: 'F32', shape: [0, 2 ** 40, 2 ** 40, 2 ** 40], data_offsets: [0, 0] } }, new Uint8Array(0)));
  const huge = await readSafetensors(wide); // valid: no element, no byte
  assert.is(huge.tensors.get('w')!.byteLength, 0);
  const nested = path.join(dir, 'values.safetensors');
  fs.writeFileSync(nested, handMadeFile({ __metadata__: { a: 'b' }, w: { dtype: 'F32', shape: new Array(3_000_000).fill(0), data_offsets: [0, 0] } }, new Uint8Array(0)));
  await expectError('ERR_CHECKPOINT', () => readSafetensors(nested), 'more than 2000000 values');
});

test('a failed write leaves the previous file whole', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'keep.safetensors');
  await writeSafetensors(file, { a: Tensor.from(new Float32Array([1]), [1]) });
  const before = fs.readFileSync(file);
  const disposed = Tensor.from(new Float32Array([2]), [1]);
  disposed.dispose();
  await expectError('ERR_DISPOSED', () => writeSafetensors(file, { a: disposed }));
  await expectError('ERR_CHECKPOINT', () => writeSafetensors(path.join(dir, 'missing-folder', 'x.safetensors'), {}), 'cannot create');
  assert.ok(fs.readFileSync(file).equals(before));
});

test('truncated, oversized-header and lying files are ERR_CHECKPOINT', async () => {
  const dir = tempDir();
  const good = handMadeFile({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(16));
  const cases: Array<[string, Buffer, string]> = [
    ['empty', Buffer.alloc(0), 'shorter than'],
    ['truncated data', good.subarray(0, good.length - 4), 'larger than the file'],
    ['truncated header', good.subarray(0, 20), 'runs past the end'],
    ['huge header length', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), good.subarray(8)]), 'exceeds 100 MB'],
    ['offsets beyond the file', handMadeFile({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 1600] } }, new Uint8Array(16)), 'data_offsets'],
    ['shape larger than the bytes', handMadeFile({ w: { dtype: 'F32', shape: [1e12, 1e12], data_offsets: [0, 16] } }, new Uint8Array(16)), 'larger than the file'],
    ['overlap', handMadeFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(16)), 'overlaps'],
    ['unknown dtype', handMadeFile({ w: { dtype: 'C64', shape: [2], data_offsets: [0, 16] } }, new Uint8Array(16)), 'unsupported dtype'],
    ['not JSON', Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"w": [}')]), 'malformed JSON'],
    ['negative dimension', handMadeFile({ w: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, new Uint8Array(16)), 'not an integer'],
  ];
  for (const [name, bytes, message] of cases) {
    const file = path.join(dir, `${name.replace(/ /g, '-')}.safetensors`);
    fs.writeFileSync(file, bytes);
    await expectError('ERR_CHECKPOINT', () => readSafetensors(file), message);
  }
  await expectError('ERR_CHECKPOINT', () => readSafetensors(path.join(dir, 'absent.safetensors')), 'cannot open');
});

test('1,000 mutated files: each is read or rejected with ERR_CHECKPOINT, never a crash', async () => {
  const dir = tempDir();
  const seedFile = path.join(dir, 'seed.safetensors');
  await writeSafetensors(
    seedFile,
    { weight: Tensor.from(new Float32Array(24).fill(0.5), [4, 6]), bias: Tensor.from(new Float32Array(6), [6]), step: Tensor.from(new BigInt64Array([3n]), []) },
    { config: '{"depth": 2}' },
  );
  const original = fs.readFileSync(seedFile);
  let state = 20261130;
  const random = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  let rejected = 0;
  let accepted = 0;
  for (let i = 0; i < 1000; i++) {
    const bytes = Buffer.from(original);
    const mutation = random(4);
    let mutated: Buffer = bytes;
    if (mutation === 0) {
      for (let k = 0; k <= random(8); k++) bytes[random(bytes.length)] = random(256); // flip bytes anywhere
    } else if (mutation === 1) {
      for (let k = 0; k <= random(4); k++) bytes[8 + random(Number(bytes.readBigUInt64LE(0)))] = random(256); // in the header
    } else if (mutation === 2) {
      mutated = bytes.subarray(0, random(bytes.length)); // truncate
    } else {
      bytes.writeBigUInt64LE(BigInt(random(2 ** 31)) * BigInt(1 + random(2 ** 20)), 0); // lie about the header length
    }
    const file = path.join(dir, `mutant-${i}.safetensors`);
    fs.writeFileSync(file, mutated);
    try {
      await readSafetensors(file);
      accepted++;
    } catch (error) {
      assert.is((error as { code?: string }).code, 'ERR_CHECKPOINT', `mutant ${i}: ${(error as Error).message}`);
      rejected++;
    }
    fs.rmSync(file);
  }
  assert.is(accepted + rejected, 1000);
  assert.ok(rejected > 500, `${rejected} rejected`);
});

test.run();
