// diff-prompt: Diff-Prompt (ICLR 2025) for referring expression comprehension, in TypeScript
// over C++ libtorch.
export { DiffPromptError, ERROR_CODES, isDiffPromptError } from './errors';
export type { ErrorCode } from './errors';
export { Tensor } from './tensor';
export type { DType, TensorData, TypedArrayOf } from './tensor';
export { runtimeInfo, setThreads, manualSeed, resolveDevice } from './runtime';
export type { RuntimeInfo } from './runtime';
export type { ProgressEvent, LongJobOptions } from './long-job';
export { readSafetensors, writeSafetensors } from './io/safetensors';
export { Mlp } from './models/mlp';
export type { MlpConfig, MlpConfigInput } from './config/mlp-config';
export type { SaveOptions } from './models/native-model';
export type * from './data/sample';
