// The shape of the compiled addon (native/napi/), as TypeScript sees it. Only lib/ touches
// these handles; users get the typed classes in tensor.ts and models/.

export type NativeDType = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool' | 'float16' | 'bfloat16';

export interface NativeProgressEvent {
  step: number;
  total: number;
  values: Record<string, number>;
}

export type NativeProgressCallback = (event: NativeProgressEvent) => void;

export interface NativeTensorHandle {
  shape(): number[];
  dtype(): NativeDType;
  device(): string;
  byteLength(): number;
  isDisposed(): boolean;
  dispose(): void;
  data(): Promise<ArrayBuffer>;
  to(device: string): Promise<NativeTensorHandle>;
  matmul(other: NativeTensorHandle): Promise<NativeTensorHandle>;
  add(other: NativeTensorHandle): Promise<NativeTensorHandle>;
}

export interface NativeCancelFlag {
  cancel(): void;
}

export interface NativeParameterInfo {
  name: string;
  shape: number[];
  dtype: NativeDType;
  trainable: boolean;
}

export interface NativeLoadReport {
  missing: string[];
  unexpected: string[];
  metadata: Record<string, string>;
}

/** What every native model handle offers (native/napi/model_handle.h). */
/** Box decoding, and the flag that cancels the job (before it starts; Diff-Prompt's also between denoising steps). */
export interface NativeDecodeOptions {
  topK?: number;
  scoreThreshold?: number;
  nmsIou?: number;
  cancel?: NativeCancelFlag;
}

export interface NativeModelHandle {
  /** Makes the model on the compute thread (once, right after the handle): weights are never drawn on the event loop. */
  built(): Promise<void>;
  dispose(): void;
  isDisposed(): boolean;
  parameterCount(options?: { trainableOnly?: boolean }): number;
  parameters(): NativeParameterInfo[];
  /** sha256 (hex) of the weights as saveWeights writes them, over the tensors alone (lib/io/weights-digest.ts). */
  weightsDigest(): Promise<string>;
  saveWeights(path: string, metadata: Record<string, string>): Promise<void>;
  loadWeights(path: string, strict: boolean): Promise<NativeLoadReport>;
  saveOptimizer(path: string): Promise<boolean>;
  loadOptimizer(path: string): Promise<void>;
  rngState(): Promise<Uint8Array>;
  setRngState(state: Uint8Array): Promise<void>;
}

export interface NativeMlpHandle extends NativeModelHandle {
  predict(x: NativeTensorHandle): Promise<NativeTensorHandle>;
  trainStep(x: NativeTensorHandle, y: NativeTensorHandle): Promise<number>;
  fit(x: NativeTensorHandle, y: NativeTensorHandle, steps: number, cancel?: NativeCancelFlag, onProgress?: NativeProgressCallback): Promise<Float64Array>;
}

export interface NativeMaskVaeHandle extends NativeModelHandle {
  encode(masks: NativeTensorHandle): Promise<{ mean: NativeTensorHandle; logvar: NativeTensorHandle; sample: NativeTensorHandle }>;
  decode(latents: NativeTensorHandle): Promise<NativeTensorHandle>;
  trainStep(masks: NativeTensorHandle, options: { lr: number; klWeight: number; seeds?: NativeTensorHandle }): Promise<{ loss: number; reconstruction: number; kl: number }>;
  evaluate(masks: NativeTensorHandle): Promise<{ iou: Float32Array; mse: Float32Array }>;
}

/** A grounding batch as native tensors (see native/napi/grounding_handle.cc). */
export interface NativeGroundingBatch {
  images: NativeTensorHandle; // B×3×S×S float32
  ids: NativeTensorHandle; // B×T int32
  attentionMask: NativeTensorHandle; // B×T uint8
  positiveTokens: NativeTensorHandle; // B×T uint8
  boxes?: NativeTensorHandle; // B×4 float32 [x0, y0, x1, y1]
  visualPrompts?: NativeTensorHandle[]; // per layer B×L×Dv
  textPrompts?: NativeTensorHandle[]; // per layer B×L×Dt
}

export interface NativeGroundingLosses {
  loss: number;
  token: number;
  box: number;
  centerness: number;
  /** Positive locations in the batch (ATSS). */
  positives: number;
}

export interface NativeGroundingHandle extends NativeModelHandle {
  setTrainable(prefixes: string[]): Promise<void>;
  trainStep(batch: NativeGroundingBatch, options: { lr: number }): Promise<NativeGroundingLosses>;
  evaluateLoss(batch: NativeGroundingBatch): Promise<NativeGroundingLosses>;
  predict(batch: NativeGroundingBatch, options: NativeDecodeOptions): Promise<{ boxes: Float32Array; scores: Float32Array }[]>;
  features(batch: NativeGroundingBatch): Promise<{ image: NativeTensorHandle; text: NativeTensorHandle }>;
  encode(batch: NativeGroundingBatch): Promise<{ imageTokens: NativeTensorHandle; textHidden: NativeTensorHandle; textPooled: NativeTensorHandle }>;
  ownPrompts(batch: NativeGroundingBatch): Promise<{ visual: NativeTensorHandle[]; textual: NativeTensorHandle[] }>;
}

export interface NativeClipHandle extends NativeModelHandle {
  /** images B×3×S×S, ids B×T, attentionMask B×T → image B×P, text B×P, imageMap B×P×g×g (CPU). */
  encode(images: NativeTensorHandle, ids: NativeTensorHandle, attentionMask: NativeTensorHandle): Promise<{ image: NativeTensorHandle; text: NativeTensorHandle; imageMap: NativeTensorHandle }>;
}

/** What the generator is conditioned on: B×Di, B×Dt, and B×Ds×h×w with spatial conditioning. */
export interface NativeGeneratorCondition {
  image: NativeTensorHandle;
  text: NativeTensorHandle;
  imageMap?: NativeTensorHandle;
}

/** A batch for the generator's composite jobs, in the conditioner's frame and tokens. */
export interface NativeGeneratorBatch {
  images: NativeTensorHandle;
  ids: NativeTensorHandle;
  attentionMask: NativeTensorHandle;
  masks?: NativeTensorHandle;
}

export interface NativeSamplingOptions {
  respacing?: string;
  eta?: number;
  ddpm?: boolean;
  useEma?: boolean;
  /** Checked before each denoising step. */
  cancel?: NativeCancelFlag;
}

export interface NativePromptGeneratorHandle extends NativeModelHandle {
  forward(x: NativeTensorHandle, t: NativeTensorHandle, condition: NativeGeneratorCondition, options: { useEma?: boolean }): Promise<NativeTensorHandle>;
  losses(
    x0: NativeTensorHandle,
    t: NativeTensorHandle,
    noise: NativeTensorHandle,
    condition: NativeGeneratorCondition,
  ): Promise<{ mse: NativeTensorHandle; vb: NativeTensorHandle; loss: NativeTensorHandle }>;
  trainStep(x0: NativeTensorHandle, condition: NativeGeneratorCondition, options: { lr: number; seeds?: NativeTensorHandle }): Promise<{ loss: number; mse: number; vb: number }>;
  trajectory(noise: NativeTensorHandle, condition: NativeGeneratorCondition, options: NativeSamplingOptions & { stepNoise?: NativeTensorHandle }): Promise<NativeTensorHandle>;
  trainOnBatch(
    conditioner: NativeModelHandle,
    vae: NativeModelHandle,
    batch: NativeGeneratorBatch,
    options: { lr: number; seeds?: NativeTensorHandle },
  ): Promise<{ loss: number; mse: number; vb: number }>;
  generate(
    conditioner: NativeModelHandle,
    vae: NativeModelHandle,
    batch: NativeGeneratorBatch,
    options: NativeSamplingOptions & { noise?: NativeTensorHandle; seeds?: NativeTensorHandle; decodeTrajectory?: boolean },
  ): Promise<{ trajectory: NativeTensorHandle; masks: NativeTensorHandle; decoded?: NativeTensorHandle }>;
  saveEma(path: string, metadata: Record<string, string>): Promise<void>;
  loadEma(path: string): Promise<void>;
  resetEma(): Promise<void>;
}

/** A stage-3 batch: the backbone's, and seeds (int64 B) for each sample's x_T. */
export interface NativeDiffPromptBatch extends NativeGroundingBatch {
  seeds?: NativeTensorHandle;
}

export interface NativeDiffPromptHandle extends NativeModelHandle {
  trainStep(
    batch: NativeDiffPromptBatch,
    options: { lr: number; alignmentWeight: number },
  ): Promise<{ loss: number; grounding: number; token: number; box: number; centerness: number; alignment: number; positives: number }>;
  predict(batch: NativeDiffPromptBatch, options: NativeDecodeOptions): Promise<{ boxes: Float32Array; scores: Float32Array }[]>;
  layerMasks(batch: NativeDiffPromptBatch, options?: { cancel?: NativeCancelFlag }): Promise<NativeTensorHandle>;
}

export interface NativeRuntimeInfo {
  torchVersion: string;
  torchOrigin: string;
  sourceHash: string;
  cuda: { built: boolean; available: boolean; devices: number; reason: string };
  threads: number;
  threadsOrigin: string;
  blas: { kind: string; path: string; detail: string };
  bf16: { supported: boolean; native: boolean };
  mallocTuned: boolean;
  /** Freed tensor buffers of 256 KiB and more kept for reuse (DIFF_PROMPT_CPU_CACHE_MB=0: off). */
  cpuBufferCache: { installed: boolean; limitBytes: number; limitOrigin: string; cachedBytes: number; reuses: number; liveBuffers: number };
}

export interface NativeSafetensors {
  names: string[];
  tensors: Record<string, NativeTensorHandle>;
  metadata: Record<string, string>;
}

export interface NativeAddon {
  NativeTensor: new (data?: ArrayBufferView, shape?: number[], dtype?: NativeDType) => NativeTensorHandle;
  CancelFlag: new () => NativeCancelFlag;
  NativeMlp: new (config: object) => NativeMlpHandle;
  NativeMaskVae: new (config: object) => NativeMaskVaeHandle;
  NativeGroundingModel: new (config: object) => NativeGroundingHandle;
  NativeClipModel: new (config: object) => NativeClipHandle;
  NativePromptGenerator: new (config: object) => NativePromptGeneratorHandle;
  NativeDiffPrompt: new (backbone: NativeModelHandle, vae: NativeModelHandle, generator: NativeModelHandle, config: object) => NativeDiffPromptHandle;
  diffusionSchedule(schedule: string, steps: number, respacing: string): Promise<{ betas: NativeTensorHandle; alphasCumprod: NativeTensorHandle; timesteps: NativeTensorHandle }>;
  readSafetensors(path: string): Promise<NativeSafetensors>;
  writeSafetensors(path: string, entries: Array<[string, NativeTensorHandle]>, metadata?: Record<string, string>): Promise<void>;
  writeFileAtomically(path: string, bytes: Uint8Array): Promise<void>;
  sigmoidFocalLoss(logits: NativeTensorHandle, targets: NativeTensorHandle, alpha: number, gamma: number): Promise<NativeTensorHandle>;
  boxOverlap(a: NativeTensorHandle, b: NativeTensorHandle, criterion: 'iou' | 'giou'): Promise<NativeTensorHandle>;
  nonMaximumSuppression(boxes: NativeTensorHandle, iou: number): Promise<NativeTensorHandle>;
  atssAssign(
    options: { imageSize: number; pyramidStrides: number[]; anchorScale: number; atssTopK: number },
    boxes: NativeTensorHandle,
  ): Promise<{ positive: NativeTensorHandle; centernessTarget: NativeTensorHandle; centers: NativeTensorHandle }>;
  decodeBoxes(
    head: { boxes: NativeTensorHandle; centerness: NativeTensorHandle; tokenLogits: NativeTensorHandle },
    positiveTokens: NativeTensorHandle,
    attentionMask: NativeTensorHandle,
    options: { imageSize: number; topK?: number; scoreThreshold?: number; nmsIou?: number; levelSizes?: number[] },
  ): Promise<{ boxes: NativeTensorHandle; scores: NativeTensorHandle }[]>;
  runtimeInfo(): NativeRuntimeInfo;
  setThreads(threads: number): void;
  manualSeed(seed: number): void;
  resolveDevice(device: string): string;
  externalMemory(): number;
  releaseCpuBufferCache(): void;
  setErrorClass(errorClass: new (code: string, message: string) => Error): void;
  sourceHash: string;
}
