// Serving a grounding model: an image and an expression in, ranked boxes in the input image's
// pixels out. Every call is an async native job on the compute thread, so calls from many
// requests at once are safe (they run one after another, in arrival order) and never block the
// event loop.
import { assembleBatch, prepareSample, resolveBatchOptions, type ResolvedBatchOptions } from '../data/batching';
import { type ImageInput, decodeImageInput } from '../data/images/image-input';
import { toImageBox } from '../data/images/model-frame';
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

/** What the pipeline serves: a bare grounding model or a tuned Diff-Prompt. */
type ServedModel = GroundingPredictor & { dispose(): void; [Symbol.asyncDispose](): Promise<void> };

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
