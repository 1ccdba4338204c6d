// Tensor: a libtorch tensor owned by JavaScript. Made from a typed array by copy, read back
// with `await t.data()` (the copy is made on a worker thread and handed over without a second
// one). Free it with `dispose()` or `using t = ...`; the garbage collector frees forgotten ones
// too, but only as a safety net: native memory is not what V8 sees first.
import { DiffPromptError } from './errors';
import { native } from './native';
import type { NativeDType, NativeTensorHandle } from './native-api';

export type DType = NativeDType;

/** The typed array each dtype is read and written as (float16/bfloat16: raw 16-bit words). */
export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  int64: BigInt64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  bool: Uint8Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
}

export type TensorData = TypedArrayOf[DType];

const ARRAY_TYPES: { [D in DType]: new (buffer: ArrayBuffer) => TypedArrayOf[D] } = {
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  bool: Uint8Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
};

/** The dtype a typed array means when none is given; Uint16Array is ambiguous. */
function inferDType(data: ArrayBufferView): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  throw new DiffPromptError('ERR_DTYPE', `cannot infer a dtype from ${data.constructor.name}: pass one of float32, float64, int64, int32, uint8, bool, float16, bfloat16`);
}

export class Tensor {
  /** @internal */
  constructor(readonly handle: NativeTensorHandle) {}

  /** Copies `data` into a new tensor of `shape` (row-major). */
  static from(data: ArrayBufferView, shape: readonly number[], dtype: DType = inferDType(data)): Tensor {
    const expected = ARRAY_TYPES[dtype];
    if (!expected) {
      throw new DiffPromptError('ERR_DTYPE', `unknown dtype '${dtype}': use one of ${Object.keys(ARRAY_TYPES).join(', ')}`);
    }
    if (!(data instanceof expected) && !(dtype === 'bool' && data instanceof Uint8Array)) {
      throw new DiffPromptError('ERR_DTYPE', `${dtype} data must be a ${expected.name}, got ${data.constructor.name}`);
    }
    return new Tensor(new (native().NativeTensor)(data, [...shape], dtype));
  }

  get shape(): number[] {
    return this.handle.shape();
  }

  get dtype(): DType {
    return this.handle.dtype();
  }

  /** "cpu", "cuda:0", ... */
  get device(): string {
    return this.handle.device();
  }

  get byteLength(): number {
    return this.handle.byteLength();
  }

  get disposed(): boolean {
    return this.handle.isDisposed();
  }

  /** The values as a new typed array (a private copy: later changes to the tensor don't show). */
  async data<D extends DType = DType>(): Promise<TypedArrayOf[D]> {
    const dtype = this.dtype as D;
    const buffer = await this.handle.data();
    return new ARRAY_TYPES[dtype](buffer) as TypedArrayOf[D];
  }

  async to(device: string): Promise<Tensor> {
    return new Tensor(await this.handle.to(device));
  }

  async matmul(other: Tensor): Promise<Tensor> {
    return new Tensor(await this.handle.matmul(other.handle));
  }

  async add(other: Tensor): Promise<Tensor> {
    return new Tensor(await this.handle.add(other.handle));
  }

  /** Frees the native memory now. Idempotent; using the tensor afterwards is ERR_DISPOSED. */
  dispose(): void {
    this.handle.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
