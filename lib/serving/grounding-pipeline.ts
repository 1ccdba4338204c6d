// Serving a grounding model: an image and an expression in, ranked boxes in the input image's
// pixels out. Every call is an async native job on the model's own thread, so calls from many
// requests at once are safe (they run one after another, in arrival order) and never block the
// event loop.
import { assembleBatch, prepareSample, resolveBatchOptions, type ResolvedBatchOptions } from '../data/batching';
import { loadImage } from '../data/images/load-image';
import { toImageBox } from '../data/images/model-frame';
import type { Box, RgbImage } from '../data/sample';
import { DiffPromptError } from '../errors';
import { GroundingModel, type PredictOptions } from '../models/grounding-model';

/** What `predict` takes as an image: a file path, encoded bytes (JPEG, PNG, WebP), or decoded RGBA pixels (a canvas's ImageData). */
export type ImageInput = string | Buffer | { width: number; height: number; data: Uint8ClampedArray | Uint8Array };

export interface GroundedBox {
  /** [x, y, w, h] in the input image's pixels. */
  box: Box;
  score: number;
}

/** RGBA (ImageData) → RGB. */
function rgbFromImageData(image: { width: number; height: number; data: Uint8ClampedArray | Uint8Array }): RgbImage {
  const { width, height, data } = image;
  if (!(Number.isSafeInteger(width) && Number.isSafeInteger(height) && width > 0 && height > 0) || data.length !== width * height * 4) {
    throw new DiffPromptError('ERR_DATA', `ImageData must hold width·height·4 RGBA bytes; got ${data?.length} for ${width}×${height}`);
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 4, j += 3) {
    rgb[j] = data[i]!;
    rgb[j + 1] = data[i + 1]!;
    rgb[j + 2] = data[i + 2]!;
  }
  return { width, height, data: rgb };
}

async function decode(image: ImageInput): Promise<RgbImage> {
  if (typeof image === 'string' || Buffer.isBuffer(image)) return loadImage(image);
  if (image && typeof image === 'object' && 'data' in image) return rgbFromImageData(image);
  throw new DiffPromptError('ERR_DATA', 'image must be a file path, a Buffer of an encoded image, or ImageData-like { width, height, data (RGBA) }');
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
    const rgb = await decode(image);
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
