// safetensors files from TypeScript, through the same bounds-checked native reader and atomic
// writer the models use.
import { native } from '../native';
import { Tensor } from '../tensor';

export interface SafetensorsContents {
  /** Tensors in file order. */
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export async function readSafetensors(file: string): Promise<SafetensorsContents> {
  const read = await native().readSafetensors(file);
  return { tensors: new Map(read.names.map((name) => [name, new Tensor(read.tensors[name])])), metadata: read.metadata };
}

export async function writeSafetensors(file: string, tensors: Map<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): Promise<void> {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  await native().writeSafetensors(
    file,
    entries.map(([name, tensor]) => [name, tensor.handle]),
    metadata,
  );
}
