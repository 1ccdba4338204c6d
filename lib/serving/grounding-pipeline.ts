// Serving a grounding model: an image and an expression in, ranked boxes in the input image's
// pixels out. Every call is an async native job on the model's own thread, so calls from many
// requests at once are safe (they run one after another, in arrival order) and never block the
// event loop.
import { assembleBatch, prepareSample, resolveBatchOptions, type ResolvedBatchOptions } from '../data/batching';
import { type ImageInput, decodeImageInput } from '../data/images/image-input';
import { toImageBox } from '../data/images/model-frame';
import type { Box } from '../data/sample';
import { DiffPromptError } from '../errors';
import { GroundingModel, type PredictOptions } from '../models/grounding-model';

export type { ImageInput };

export interface GroundedBox {
  /** [x, y, w, h] in the input image's pixels. */
  box: Box;
  score: number;
}

export class GroundingPipeline {
  private readonly batchOptions: ResolvedBatchOptions;

  private constructor(readonly model: GroundingModel) {
    this.batchOptions = resolveBatchOptions(model.batchOptions());
  }

  /** A grounding model folder (e.g. pretrained/grounding-tiny). */
  static async load(dir: string): Promise<GroundingPipeline> {
    const { model } = await GroundingModel.load(dir);
    return new GroundingPipeline(model);
  }

  /** Ranked boxes for `expression` in `image`, best first (at most topK, default 10). */
  async predict(image: ImageInput, expression: string, options: PredictOptions = {}): Promise<GroundedBox[]> {
    if (typeof expression !== 'string' || expression.trim() === '') throw new DiffPromptError('ERR_DATA', 'expression must be a non-empty string');
    const rgb = await decodeImageInput(image);
    const prepared = await prepareSample(
      { id: 'request', imageId: 'request', image: { kind: 'pixels', image: rgb }, width: rgb.width, height: rgb.height, expression, box: [0, 0, rgb.width, rgb.height] },
      this.batchOptions,
    );
    const batch = assembleBatch([prepared], this.batchOptions);
    const [ranked] = await this.model.predict(batch, { ...options, topK: options.topK ?? 10 });
    return ranked!.map(({ box: [x0, y0, x1, y1], score }) => ({ box: toImageBox([x0, y0, x1 - x0, y1 - y0], prepared.transform), score }));
  }

  dispose(): void {
    this.model.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.model[Symbol.asyncDispose]();
  }
}
