import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { externalMemory, runtimeInfo } from '../lib/runtime';
import { Tensor } from '../lib/tensor';
import { expectError } from './support/expect-error';

const test = suite('tensor bridge');

test('every dtype round-trips through its typed array', async () => {
  const cases: Array<[ArrayBufferView, Parameters<typeof Tensor.from>[2]]> = [
    [new Float32Array([1.5, -2, 3.25, 0]), 'float32'],
    [new Float64Array([1e-300, -2, Math.PI, 0]), 'float64'],
    [new BigInt64Array([2n ** 62n, -5n, 0n, 7n]), 'int64'],
    [new Int32Array([2 ** 30, -5, 0, 7]), 'int32'],
    [new Uint8Array([255, 0, 1, 128]), 'uint8'],
    [new Uint8Array([1, 0, 1, 1]), 'bool'],
    [new Uint16Array([0x3c00, 0xc000, 0x3555, 0]), 'float16'], // 1, -2, ~1/3, 0
    [new Uint16Array([0x3f80, 0xc000, 0x4049, 0]), 'bfloat16'], // 1, -2, ~3.14, 0
  ];
  for (const [data, dtype] of cases) {
    using tensor = Tensor.from(data, [2, 2], dtype);
    assert.equal(tensor.shape, [2, 2]);
    assert.is(tensor.dtype, dtype);
    assert.is(tensor.device, 'cpu');
    assert.is(tensor.byteLength, data.byteLength);
    const back = await tensor.data();
    assert.is(back.constructor, data.constructor, dtype);
    assert.equal([...(back as Iterable<number | bigint>)], [...(data as unknown as Iterable<number | bigint>)], dtype);
  }
});

test('the dtype is inferred from the array type, and a Uint16Array needs one', async () => {
  assert.is(Tensor.from(new Float64Array(3), [3]).dtype, 'float64');
  assert.is(Tensor.from(new BigInt64Array(3), [3]).dtype, 'int64');
  await expectError('ERR_DTYPE', () => Tensor.from(new Uint16Array(3), [3]), 'cannot infer');
  await expectError('ERR_DTYPE', () => Tensor.from(new Float32Array(3), [3], 'int32'), 'must be a Int32Array');
});

test('from() copies: later writes to the source do not reach the tensor, nor data() to it', async () => {
  const source = new Float32Array([1, 2, 3]);
  using tensor = Tensor.from(source, [3]);
  source[0] = 100;
  const first = await tensor.data<'float32'>();
  assert.equal([...first], [1, 2, 3]);
  first[1] = 50;
  assert.equal([...(await tensor.data<'float32'>())], [1, 2, 3]);
});

test('a subarray view copies only its own bytes', async () => {
  const backing = new Float32Array([9, 9, 1, 2, 9]);
  using tensor = Tensor.from(backing.subarray(2, 4), [2]);
  assert.equal([...(await tensor.data<'float32'>())], [1, 2]);
});

test('shape and byte length must agree', async () => {
  await expectError('ERR_SHAPE', () => Tensor.from(new Float32Array(5), [2, 3]), 'needs 24 bytes');
  await expectError('ERR_CONFIG', () => Tensor.from(new Float32Array(2), [2, -1]), 'integer');
  await expectError('ERR_DTYPE', () => Tensor.from(new Float32Array(2), [2], 'complex64' as never), 'unknown dtype');
});

test('zero-sized and scalar tensors', async () => {
  using empty = Tensor.from(new Float32Array(0), [0, 4]);
  assert.equal(empty.shape, [0, 4]);
  assert.is((await empty.data()).length, 0);
  using scalar = Tensor.from(new Float32Array([7]), []);
  assert.equal(scalar.shape, []);
  assert.equal([...(await scalar.data<'float32'>())], [7]);
});

test('matmul and add run natively and give the right numbers', async () => {
  using a = Tensor.from(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  using b = Tensor.from(new Float32Array([1, 0, 0, 1, 1, 1]), [3, 2]);
  using product = await a.matmul(b);
  assert.equal(product.shape, [2, 2]);
  assert.equal([...(await product.data<'float32'>())], [4, 5, 10, 11]);
  using sum = await product.add(product);
  assert.equal([...(await sum.data<'float32'>())], [8, 10, 20, 22]);
  await expectError('ERR_SHAPE', () => a.matmul(a));
});

test('dispose is idempotent and a disposed tensor is ERR_DISPOSED', async () => {
  const tensor = Tensor.from(new Float32Array([1]), [1]);
  tensor.dispose();
  tensor.dispose();
  assert.ok(tensor.disposed);
  await expectError('ERR_DISPOSED', () => tensor.shape);
  await expectError('ERR_DISPOSED', () => tensor.data());
  using other = Tensor.from(new Float32Array([1]), [1]);
  await expectError('ERR_DISPOSED', () => other.add(tensor));
});

test('`using` disposes at the end of the block', () => {
  let escaped: Tensor;
  {
    using tensor = Tensor.from(new Float32Array([1]), [1]);
    escaped = tensor;
    assert.not.ok(tensor.disposed);
  }
  assert.ok(escaped.disposed);
});

test('CPU bytes are reported to V8 as external memory, and given back on dispose', () => {
  const bytes = 64 << 20;
  const source = new Float32Array(bytes / 4);
  const before = externalMemory();
  const tensor = Tensor.from(source, [bytes / 4]);
  const during = externalMemory();
  tensor.dispose();
  const after = externalMemory();
  assert.is(during - before, bytes);
  assert.is(during - after, bytes);
});

test('a tensor moves between devices; CUDA without a GPU is ERR_CUDA_UNAVAILABLE', async () => {
  using tensor = Tensor.from(new Float32Array([1]), [1]);
  if (runtimeInfo().cuda.available) {
    using gpu = await tensor.to('cuda');
    assert.is(gpu.device, 'cuda:0');
  } else {
    await expectError('ERR_CUDA_UNAVAILABLE', () => tensor.to('cuda'));
  }
  using same = await tensor.to('cpu');
  assert.equal([...(await same.data<'float32'>())], [1]);
});

test.run();
