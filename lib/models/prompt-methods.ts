// The prompt methods compared on one frozen backbone: Diff-Prompt and the baselines that are
// prompts or head parameters of the grounding model itself (§5 of the reference). Each is built
// from the same frozen folders and offers the same face (PromptMethod).
//
//   zero-shot      the backbone as it is
//   linear-probe   the head's predictors
//   vpt-deep       learned visual prompts in every vision block (VPT-deep)
//   coop           learned textual prompts in every text layer (CoOp, deep)
//   s-prompts      independent visual and textual prompts (S-Prompts)
//   maple          textual prompts, and visual prompts mapped from them per layer (MaPLe)
//   clip-adapter   residual channel adapters on the pyramid maps, ratio 0.2 (CLIP-Adapter)
//   fedtpg         textual prompts generated from the expression's tokens (FedTPG, one
//                  generator per text layer)
//   full-finetune  every backbone parameter
//   diff-prompt    prompts made from the generator's denoising trajectory (stage 3)
//   diff-prompt-no-align  the same without the alignment term (weight 0: the reference code)
import type { Batch, BatchOptions } from '../data/batching';
import { type DiffPromptConfigInput, type DiffPromptPresetName, diffPromptConfigSchema, diffPromptPreset } from '../config/diff-prompt-config';
import { parseConfig } from '../config/parse-config';
import type { GroundingConfig } from '../config/grounding-config';
import { DiffPromptError } from '../errors';
import { DiffPrompt, type DiffPromptPartDirs } from './diff-prompt';
import { GroundingModel, type ModelFrameBox, type PredictOptions, type PromptSlots, type TrainableSet } from './grounding-model';
import type { PromptMethod } from './prompt-method';

export const PROMPT_METHODS = ['zero-shot', 'linear-probe', 'vpt-deep', 'coop', 's-prompts', 'maple', 'clip-adapter', 'fedtpg', 'full-finetune', 'diff-prompt', 'diff-prompt-no-align'] as const;
export type PromptMethodName = (typeof PROMPT_METHODS)[number];
type BaselineName = Exclude<PromptMethodName, 'diff-prompt' | 'diff-prompt-no-align'>;

/** Each baseline's learning rate on the tiny backbone (Diff-Prompt's is its config's `lr`); the
 * compare command can search a grid around it on val. */
export const BASELINE_LEARNING_RATES: Record<BaselineName, number> = {
  'zero-shot': 0,
  'linear-probe': 1e-3,
  'vpt-deep': 1e-2,
  coop: 1e-2,
  's-prompts': 1e-2,
  maple: 1e-2,
  'clip-adapter': 1e-3,
  fedtpg: 1e-3,
  'full-finetune': 1e-4,
};

export interface MethodSettings {
  /** Prompt tokens per layer (default 8). */
  length?: number;
  seed?: number;
  /** The learning rate tuning uses (default: the baseline's rate above, or Diff-Prompt's config `lr`). */
  lr?: number;
  /** Diff-Prompt's preset (default: `paper` for a backbone of 224 pixels or more, else `tiny`). */
  preset?: DiffPromptPresetName;
  /** Diff-Prompt's config on top of its preset (the alignment weight among others). */
  diffPrompt?: Partial<DiffPromptConfigInput>;
}

export function isPromptMethod(name: string): name is PromptMethodName {
  return (PROMPT_METHODS as readonly string[]).includes(name);
}

/** A baseline: the grounding model with the method's prompts or adapters, training only those. */
export class BaselineMethod implements PromptMethod {
  constructor(
    readonly method: BaselineName,
    readonly model: GroundingModel,
    readonly lr: number,
  ) {}

  batchOptions(): BatchOptions {
    return this.model.batchOptions();
  }

  predict(batch: Batch, options: PredictOptions): Promise<ModelFrameBox[][]> {
    return this.model.predict(batch, options);
  }

  trainableParameters(): number {
    return this.method === 'zero-shot' ? 0 : this.model.parameterCount({ trainableOnly: true });
  }

  trainStep(batch: Batch, options: { lr: number }): Promise<{ loss: number }> {
    if (this.method === 'zero-shot') throw new DiffPromptError('ERR_CONFIG', 'zero-shot trains nothing');
    return this.model.trainStep(batch, options);
  }

  save(dir: string): Promise<void> {
    return this.model.save(dir);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Prompt slots and trainable set of each baseline, for a backbone of the given depths. */
function baselineRecipe(method: BaselineName, backbone: GroundingConfig, length: number): { slots: PromptSlots; trainable?: TrainableSet } {
  const visual = { visualPromptDepth: backbone.visionDepth, visualPromptLength: length };
  const textual = { textPromptDepth: backbone.textLayers, textPromptLength: length };
  switch (method) {
    case 'zero-shot':
      return { slots: {} };
    case 'linear-probe':
      return { slots: {}, trainable: 'linearProbe' };
    case 'vpt-deep':
      return { slots: visual, trainable: 'prompts' };
    case 'coop':
      return { slots: textual, trainable: 'prompts' };
    case 's-prompts':
      return { slots: { ...visual, ...textual }, trainable: 'prompts' };
    case 'maple': {
      // Coupled layer by layer, so as deep as the shallower encoder.
      const depth = Math.min(backbone.visionDepth, backbone.textLayers);
      const slots = { visualPromptDepth: depth, visualPromptLength: length, textPromptDepth: depth, textPromptLength: length, coupledVisualPrompts: true };
      return { slots, trainable: 'prompts' };
    }
    case 'clip-adapter':
      return { slots: { pyramidAdapterReduction: 4, pyramidAdapterRatio: 0.2 }, trainable: 'adapter' };
    case 'fedtpg': {
      // FedTPG's 4 heads, or the most below that dividing the text width.
      const heads = [4, 2, 1].find((h) => backbone.textWidth % h === 0)!;
      return { slots: { ...textual, expressionTextPrompts: true, expressionPromptHeads: heads }, trainable: 'prompts' };
    }
    case 'full-finetune':
      return { slots: {}, trainable: 'all' };
  }
}

/** Builds `method` on the frozen folders (each method gets its own copy of the backbone). */
export async function buildPromptMethod(method: PromptMethodName, dirs: DiffPromptPartDirs, settings: MethodSettings = {}): Promise<PromptMethod> {
  const length = settings.length ?? 8;
  const seeded = settings.seed === undefined ? {} : { seed: settings.seed };
  if (method === 'diff-prompt' || method === 'diff-prompt-no-align') {
    const preset = diffPromptPreset(settings.preset ?? defaultDiffPromptPreset(GroundingModel.configIn(dirs.backbone).imageSize));
    const alignment = method === 'diff-prompt-no-align' ? { alignmentWeight: 0 } : {};
    const lr = settings.lr === undefined ? {} : { lr: settings.lr };
    return DiffPrompt.fromFolders(dirs, { ...preset, length, ...seeded, ...settings.diffPrompt, ...lr, ...alignment });
  }
  const recipe = baselineRecipe(method, GroundingModel.configIn(dirs.backbone), length);
  const model = await GroundingModel.loadWithPrompts(dirs.backbone, { ...recipe.slots, ...seeded });
  try {
    if (recipe.trainable) await model.setTrainable(recipe.trainable);
    return new BaselineMethod(method, model, settings.lr ?? BASELINE_LEARNING_RATES[method]);
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** The learning rate `method` tunes at with these settings: `settings.lr`, else Diff-Prompt's
 * config `lr` (its preset's, or `settings.diffPrompt.lr`), else the baseline's rate above. */
export function methodLearningRate(method: PromptMethodName, settings: MethodSettings = {}, backboneImageSize = 64): number {
  if (settings.lr !== undefined) return settings.lr;
  if (method !== 'diff-prompt' && method !== 'diff-prompt-no-align') return BASELINE_LEARNING_RATES[method];
  const preset = diffPromptPreset(settings.preset ?? defaultDiffPromptPreset(backboneImageSize));
  return settings.diffPrompt?.lr ?? parseConfig(diffPromptConfigSchema, preset, 'Diff-Prompt preset').lr;
}

/** The paper's depths for a paper-size backbone, every layer of a tiny one. */
function defaultDiffPromptPreset(backboneImageSize: number): DiffPromptPresetName {
  return backboneImageSize >= 224 ? 'paper' : 'tiny';
}
