// Runs a grounding model (bare, prompted by a baseline, or Diff-Prompt) over referring-expression
// data (one split) and scores it: Recall@k and UB overall and per expression family, with
// predictions mapped back to each original image's pixels (so scores compare with the dataset's
// own boxes).
import { type Batch, type BatchOptions, batchStream } from '../data/batching';
import type { SampleSource } from '../data/batching';
import { toImageBox } from '../data/images/model-frame';
import type { Box } from '../data/sample';
import { abortedError } from '../errors';
import type { DeepPrompts, ModelFrameBox, PredictOptions } from '../models/grounding-model';
import { RecallCounter, type RecallOptions, type RecallSummary, type ScoredBox } from './grounding-recall';

export interface GroundingEvaluation extends RecallSummary {
  /** "family:<name>" → the same summary over that family's expressions. */
  groups: Record<string, RecallSummary>;
}

/** What evaluation needs of a model: how to batch for it, and ranked boxes per expression. */
export interface GroundingPredictor {
  batchOptions(): BatchOptions;
  predict(batch: Batch, options: PredictOptions & { prompts?: DeepPrompts }): Promise<ModelFrameBox[][]>;
}

export interface EvaluateGroundingOptions extends RecallOptions, PredictOptions {
  batchSize?: number;
  /** Deep prompts for every batch (a function of the batch size for per-sample prompts is stage 3's). */
  prompts?: DeepPrompts;
  /** Per expression, its ranked boxes in image pixels (for reports and tests). */
  onPrediction?: (id: string, boxes: ScoredBox[], truth: Box) => void;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function evaluateGrounding(model: GroundingPredictor, data: SampleSource, options: EvaluateGroundingOptions = {}): Promise<GroundingEvaluation> {
  const { ks, threshold, criterion, topK, scoreThreshold, nmsIou } = options;
  const recallOptions: RecallOptions = { ks, threshold, criterion };
  const overall = new RecallCounter(recallOptions);
  const groups = new Map<string, RecallCounter>();
  const counterFor = (name: string) => groups.get(name) ?? groups.set(name, new RecallCounter(recallOptions)).get(name)!;
  const stream = batchStream(data, { ...model.batchOptions(), batchSize: options.batchSize ?? 64, seed: 0, shuffle: false, epochs: 1 });
  const total = Array.isArray(data) ? data.length : (data as { count: number }).count;
  let done = 0;
  try {
    for await (const batch of stream) {
      if (options.signal?.aborted) throw abortedError('grounding evaluation', options.signal);
      const ranked = await model.predict(batch, { topK, scoreThreshold, nmsIou, prompts: options.prompts, signal: options.signal });
      ranked.forEach((boxes, i) => {
        const transform = batch.transforms[i]!;
        const predictions: ScoredBox[] = boxes.map(({ box: [x0, y0, x1, y1], score }) => ({ box: toImageBox([x0, y0, x1 - x0, y1 - y0], transform), score }));
        const [tx0, ty0, tx1, ty1] = batch.imageBoxes.subarray(4 * i, 4 * i + 4);
        const truth: Box = [tx0!, ty0!, tx1! - tx0!, ty1! - ty0!];
        overall.add(predictions, truth);
        const family = batch.family[i];
        if (family) counterFor(`family:${family}`).add(predictions, truth);
        options.onPrediction?.(batch.ids[i]!, predictions, truth);
      });
      done += batch.count;
      options.onProgress?.(done, total);
    }
  } finally {
    await stream.return?.();
  }
  return { ...overall.summary(), groups: Object.fromEntries([...groups].map(([name, counter]) => [name, counter.summary()])) };
}
