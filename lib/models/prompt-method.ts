// What tuning, evaluation and comparison ask of a prompt method: how to batch for it, one
// training step, ranked boxes, its learning rate and how many parameters it trains. Diff-Prompt
// and every baseline (lib/models/prompt-methods.ts) have this face, so the loops in lib/stages/
// never know which method they drive.
import type { Batch, BatchOptions } from '../data/batching';
import type { ModelFrameBox, PredictOptions } from './grounding-model';

export interface PromptMethod {
  /** The learning rate its config (or the caller's settings) gave it: what tuning uses unless told otherwise. */
  readonly lr: number;
  batchOptions(): BatchOptions;
  /** Elements of the parameters this method trains. */
  trainableParameters(): number;
  /** One step; `seeds` (one per sample, stepSeeds) seed its random draws, for a method that draws any. */
  trainStep(batch: Batch, options: { lr: number; seeds?: readonly number[] }): Promise<{ loss: number; alignment?: number }>;
  /** Ranked boxes per expression in the model frame, best first. */
  predict(batch: Batch, options: PredictOptions): Promise<ModelFrameBox[][]>;
  /** Writes what the method trained (a grounding model folder, or a Diff-Prompt folder). */
  save(dir: string): Promise<void>;
  dispose(): void;
}
