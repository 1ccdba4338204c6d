// Serving a grounding model: an image and an expression in, ranked boxes in the input image's
// pixels out (and, for a tuned Diff-Prompt, the masks its generator drew). Every call is an async
// native job on the compute thread, so calls from many requests at once are safe (they run one
// after another, in arrival order) and never block the event loop.
import { assembleBatch, prepareSample, resolveBatchOptions, type ResolvedBatchOptions } from '../data/batching';
import type { Batch } from '../data/batching';
import { type ImageInput, decodeImageInput } from '../data/images/image-input';
import { type ModelFrameTransform, toImageBox } from '../data/images/model-frame';
import type { Box } from '../data/sample';
import { DiffPromptError } from '../errors';
import type { GroundingPredictor } from '../eval/evaluate-grounding';
import { checkpointKind } from '../io/checkpoint-folder';
import { DiffPrompt } from '../models/diff-prompt';
import { GroundingModel, type PredictOptions } from '../models/grounding-model';

export type { ImageInput };

export interface GroundedBox {
  /** [x, y, w, h] in the input image's pixels. */
  box: Box;
  score: number;
}

/** The masks a Diff-Prompt's prompted layers read, each covering the whole input image. */
export interface PromptMasks {
  /** Mask pixels across and down (stretch them over the image to overlay it). */
  width: number;
  height: number;
  /** Per prompted layer, values in [0, 1], row-major width×height: first the noisiest step of the
   * denoising trajectory the layers read, last the clean sample (the first layer's prompt). */
  trajectory: Float32Array[];
}

/** What the pipeline serves: a bare grounding model or a tuned Diff-Prompt. */
type ServedModel = GroundingPredictor & { dispose(): void; [Symbol.asyncDispose](): Promise<void> };

/** An image and an expression made into the model's one-sample batch, with the map back to the image's pixels. */
export interface PreparedRequest {
  batch: Batch;
  transform: ModelFrameTransform;
}

export class GroundingPipeline {
  private readonly batchOptions: ResolvedBatchOptions;

  private constructor(readonly model: ServedModel) {
    this.batchOptions = resolveBatchOptions(model.batchOptions());
  }

  /** A grounding model folder (e.g. pretrained/grounding-tiny) or a tuned Diff-Prompt folder (its
   * frozen parts load from the paths it records). */
  static async load(dir: string): Promise<GroundingPipeline> {
    if (checkpointKind(dir) === 'diff-prompt') return new GroundingPipeline(await DiffPrompt.load(dir));
    const { model } = await GroundingModel.load(dir);
    return new GroundingPipeline(model);
  }

  /** What is loaded: the model's kind and each part's weight digest (as weightsSha256 gives it). */
  async parts(): Promise<{ kind: 'diff-prompt' | 'grounding'; parts: Array<{ role: string; weightsSha256: string }> }> {
    if (this.model instanceof DiffPrompt) {
      const { backbone, vae, generator } = this.model.parts;
      const roles = [
        ['prompt adapters', this.model],
        ['backbone', backbone],
        ['mask-vae', vae],
        ['generator', generator],
      ] as const;
      return { kind: 'diff-prompt', parts: await Promise.all(roles.map(async ([role, part]) => ({ role, weightsSha256: await part.weightsSha256() }))) };
    }
    const model = this.model as GroundingModel;
    return { kind: 'grounding', parts: [{ role: 'backbone', weightsSha256: await model.weightsSha256() }] };
  }

  /** Whether predictions come with generated masks (a tuned Diff-Prompt). */
  get generatesMasks(): boolean {
    return this.model instanceof DiffPrompt;
  }

  /** Ranked boxes for `expression` in `image`, best first (at most topK, default 10). */
  async predict(image: ImageInput, expression: string, options: PredictOptions = {}): Promise<GroundedBox[]> {
    return this.predictPrepared(await this.prepare(image, expression), options);
  }

  /** Decodes the image and tokenizes the expression (off the event loop, in libuv's pool). */
  async prepare(image: ImageInput, expression: string): Promise<PreparedRequest> {
    if (typeof expression !== 'string' || expression.trim() === '') throw new DiffPromptError('ERR_DATA', 'expression must be a non-empty string');
    const rgb = await decodeImageInput(image);
    const prepared = await prepareSample(
      { id: 'request', imageId: 'request', image: { kind: 'pixels', image: rgb }, width: rgb.width, height: rgb.height, expression, box: [0, 0, rgb.width, rgb.height] },
      this.batchOptions,
    );
    return { batch: assembleBatch([prepared], this.batchOptions), transform: prepared.transform };
  }

  async predictPrepared(request: PreparedRequest, options: PredictOptions = {}): Promise<GroundedBox[]> {
    const [ranked] = await this.model.predict(request.batch, { ...options, topK: options.topK ?? 10 });
    return ranked!.map(({ box: [x0, y0, x1, y1], score }) => ({ box: toImageBox([x0, y0, x1 - x0, y1 - y0], request.transform), score }));
  }

  /** The masks a Diff-Prompt generated for this request (the same x_T as its prediction: both
   * are seeded by the request's id), cropped to where the image lies in the model frame;
   * undefined for a bare grounding model. */
  async generatedMasks(request: PreparedRequest, options: { signal?: AbortSignal } = {}): Promise<PromptMasks | undefined> {
    if (!(this.model instanceof DiffPrompt)) return undefined;
    using masks = await this.model.layerMasks(request.batch, options); // layers×1×1×S×S
    const [layers, , , side] = masks.shape as [number, number, number, number];
    const values = await masks.data<'float32'>();
    const { content, model } = request.transform;
    const scale = side / model.width;
    const left = Math.floor(content.x * scale);
    const top = Math.floor(content.y * scale);
    const width = Math.max(1, Math.round(content.width * scale));
    const height = Math.max(1, Math.round(content.height * scale));
    const trajectory: Float32Array[] = [];
    // Layer 0 reads the clean sample; the page shows noisy → clean, so the layers go in reverse.
    for (let layer = layers - 1; layer >= 0; layer--) {
      const cropped = new Float32Array(width * height);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) cropped[y * width + x] = Math.min(1, Math.max(0, values[layer * side * side + (top + y) * side + left + x]!));
      }
      trajectory.push(cropped);
    }
    return { width, height, trajectory };
  }

  dispose(): void {
    this.model.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.model[Symbol.asyncDispose]();
  }
}
