// GroundingModel: the frozen foundation every prompt method prompts. A GLIP-style detector of
// referred objects (native/nn/grounding/): a patch-transformer vision encoder and a BERT text
// encoder, each with deep prompt slots, cross-modal fusion, a simple feature pyramid and a dense
// head scoring every location against the expression's tokens. Its tokenizer ships with it
// (vocab.txt in the checkpoint folder).
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../config/parse-config';
import { type GroundingConfig, type GroundingConfigInput, groundingConfigSchema } from '../config/grounding-config';
import type { Batch, BatchOptions } from '../data/batching';
import type { ImageNormalization } from '../data/batching';
import { BertWordPieceTokenizer } from '../data/tokenizers/bert-wordpiece-tokenizer';
import type { TextTokenizer } from '../data/tokenizers/tokenized-text';
import { readVocabFile, writeVocabFile } from '../data/tokenizers/vocab-file';
import { WordLevelTokenizer } from '../data/tokenizers/word-level-tokenizer';
import { worldVocabulary } from '../data/world';
import { DiffPromptError } from '../errors';
import { WEIGHTS_FILE, checkpointLocation } from '../io/checkpoint-folder';
import { runLongJob } from '../long-job';
import { native } from '../native';
import type { NativeGroundingBatch, NativeGroundingHandle, NativeGroundingLosses } from '../native-api';
import { Tensor } from '../tensor';
import type { ConditionWidths, GeneratorConditioner } from './generator-conditioner';
import { GROUNDING_TOKENS, withGroundingBatch } from './grounding-batch-tensors';
import { NativeModel, storedConfig } from './native-model';

export { GROUNDING_TOKENS };

const KIND = 'grounding-model';
export const VOCAB_FILE = 'vocab.txt';
/** ImageNet statistics on 0..1 RGB, as ViTs are trained. */
export const GROUNDING_NORMALIZATION: ImageNormalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

export type GroundingLosses = NativeGroundingLosses;

/** A ranked box in the model frame: [x0, y0, x1, y1] pixels. */
export interface ModelFrameBox {
  box: [number, number, number, number];
  score: number;
}

export interface PredictOptions {
  /** Boxes kept per expression after NMS (default 100, GLIP's). */
  topK?: number;
  /** Locations scoring below this are dropped (default 0.05, GLIP's). */
  scoreThreshold?: number;
  /** NMS IoU (default 0.6). */
  nmsIou?: number;
  /** Cancels the prediction: ERR_ABORTED (Diff-Prompt stops between denoising steps; a bare
   * backbone's single forward pass is not interrupted once it runs). */
  signal?: AbortSignal;
}

/** Deep prompts given from outside (stage 3): per layer a B×L×D float32 tensor. */
export interface DeepPrompts {
  visual?: Tensor[];
  textual?: Tensor[];
}

/** The model's own prompts and adapters (the baselines): deep prompt depth (first layers) and
 * length (tokens per layer), how they are made, and the pyramid adapter. */
export type PromptSlots = Partial<
  Pick<
    GroundingConfig,
    | 'visualPromptDepth'
    | 'visualPromptLength'
    | 'textPromptDepth'
    | 'textPromptLength'
    | 'coupledVisualPrompts'
    | 'expressionTextPrompts'
    | 'expressionPromptHeads'
    | 'pyramidAdapterReduction'
    | 'pyramidAdapterRatio'
  >
>;

/** Named sets of trainable parameters (prefixes of parameter names). */
export const TRAINABLE_SETS = {
  all: [] as string[],
  /** The model's own prompts (VPT-deep, CoOp, S-Prompts, MaPLe's coupling, FedTPG's generators). */
  prompts: ['prompts.'],
  /** The pyramid's residual adapters (CLIP-Adapter). */
  adapter: ['adapter.'],
  /** The head's predictors only: a linear probe. */
  linearProbe: ['head.bbox_pred.', 'head.centerness.', 'head.dot_product_projection_text.', 'head.log_scale', 'head.bias_lang', 'head.bias0', 'head.scales'],
} as const;
export type TrainableSet = keyof typeof TRAINABLE_SETS;

function tokenizerOf(config: GroundingConfig, vocabulary: readonly string[]): TextTokenizer {
  return config.tokenizer.kind === 'word-level' ? WordLevelTokenizer.fromVocabulary(vocabulary) : new BertWordPieceTokenizer(vocabulary);
}

/** The vocabulary a grounding model folder keeps beside its weights. */
function storedVocabulary(dir: string): string[] {
  const vocabFile = path.join(checkpointLocation(dir), VOCAB_FILE);
  if (!fs.existsSync(vocabFile)) throw new DiffPromptError('ERR_CHECKPOINT', `${dir} has no ${VOCAB_FILE}: a grounding model folder keeps its tokenizer's vocabulary`);
  return readVocabFile(vocabFile);
}

export class GroundingModel extends NativeModel<NativeGroundingHandle, GroundingConfig> implements GeneratorConditioner {
  readonly tokenizer: TextTokenizer;

  private constructor(
    config: GroundingConfig,
    private readonly vocabulary: readonly string[],
  ) {
    const tokenizer = tokenizerOf(config, vocabulary);
    if (tokenizer.vocabSize !== config.vocabSize) {
      throw new DiffPromptError('ERR_CONFIG', `the tokenizer has ${tokenizer.vocabSize} tokens but the config says vocabSize ${config.vocabSize}: they must match`);
    }
    super(new (native().NativeGroundingModel)(config), config, KIND);
    this.tokenizer = tokenizer;
  }

  /** A new model with fresh weights. Word-level models default to the generated world's
   * vocabulary (vocabSize is set from it); BERT WordPiece needs `vocabFile`. */
  static async create(config: GroundingConfigInput, options: { vocabFile?: string } = {}): Promise<GroundingModel> {
    const kind = config.tokenizer?.kind;
    let vocabulary: string[];
    if (options.vocabFile) vocabulary = readVocabFile(options.vocabFile);
    else if (kind === 'word-level') vocabulary = [...WordLevelTokenizer.fromWords(worldVocabulary()).vocabulary];
    else throw new DiffPromptError('ERR_CONFIG', "a bert-wordpiece grounding model needs `vocabFile` (a BERT vocab.txt, e.g. bert-base-uncased's)");
    const sized = { ...config, vocabSize: kind === 'word-level' ? vocabulary.length : config.vocabSize };
    return new GroundingModel(parseConfig(groundingConfigSchema, sized, 'grounding model config'), vocabulary).built();
  }

  static async load(dir: string, options: { training?: boolean } = {}): Promise<{ model: GroundingModel; loop?: Record<string, unknown> }> {
    const config = parseConfig(groundingConfigSchema, storedConfig(dir, KIND), `grounding model config in ${dir}`);
    const model = await new GroundingModel(config, storedVocabulary(dir)).built();
    return { model, loop: await model.restore(dir, options.training ?? false) };
  }

  /** The config a grounding model folder holds, without loading its weights. */
  static configIn(dir: string): GroundingConfig {
    return parseConfig(groundingConfigSchema, storedConfig(dir, KIND), `grounding model config in ${dir}`);
  }

  /** A pretrained model folder with the baselines' prompts or adapters added (fresh, from the
   * config's seed) on the frozen foundation. Only `prompts.*` and `adapter.*` may be missing from
   * the folder's weights. */
  static async loadWithPrompts(dir: string, prompts: PromptSlots & { seed?: number }): Promise<GroundingModel> {
    const config = parseConfig(groundingConfigSchema, { ...GroundingModel.configIn(dir), ...prompts }, 'grounding model config with prompts');
    const model = await new GroundingModel(config, storedVocabulary(dir)).built();
    try {
      const report = await model.loadWeights(path.join(checkpointLocation(dir), WEIGHTS_FILE), { strict: false });
      const unexpected = [...report.unexpected, ...report.missing.filter((name) => !name.startsWith('prompts.') && !name.startsWith('adapter.'))];
      if (unexpected.length) throw new DiffPromptError('ERR_CHECKPOINT', `${dir} does not match this grounding model: ${unexpected.slice(0, 5).join(', ')}`);
      return model;
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  protected override async writeCompanionFiles(staging: string): Promise<void> {
    writeVocabFile(path.join(staging, VOCAB_FILE), this.vocabulary);
  }

  /** As the prompt generator's conditioner (GeneratorConditioner): the token set it reads and its feature widths. */
  readonly conditionerTokens = GROUNDING_TOKENS;

  get conditionWidths(): ConditionWidths {
    return { image: this.config.visionWidth, text: this.config.textWidth, map: this.config.visionWidth };
  }

  /** How to batch data for this model: its frame, normalisation and tokenizer. */
  batchOptions(): BatchOptions {
    return {
      size: this.config.imageSize,
      normalize: GROUNDING_NORMALIZATION,
      tokenizers: { [GROUNDING_TOKENS]: { tokenizer: this.tokenizer, maxLength: this.config.tokenizer.maxLength } },
    };
  }

  /** Parameters that train: a named set or name prefixes; the rest are frozen. */
  setTrainable(which: TrainableSet | readonly string[]): Promise<void> {
    const prefixes = typeof which === 'string' ? TRAINABLE_SETS[which] : which;
    if (!prefixes) throw new DiffPromptError('ERR_CONFIG', `unknown trainable set '${String(which)}': use ${Object.keys(TRAINABLE_SETS).join(', ')} or a list of name prefixes`);
    return this.run((handle) => handle.setTrainable([...prefixes]));
  }

  /** Forward, ATSS assignment, grounding loss, backward, AdamW: one native call. */
  trainStep(batch: Batch, options: { lr: number; prompts?: DeepPrompts }): Promise<GroundingLosses> {
    return this.withBatch(batch, options.prompts, true, (native) => this.run((handle) => handle.trainStep(native, { lr: options.lr })));
  }

  /** The loss on a batch, without training. */
  evaluateLoss(batch: Batch, options: { prompts?: DeepPrompts } = {}): Promise<GroundingLosses> {
    return this.withBatch(batch, options.prompts, true, (native) => this.run((handle) => handle.evaluateLoss(native)));
  }

  /** Ranked boxes per expression, in the model frame, best first. */
  async predict(batch: Batch, options: PredictOptions & { prompts?: DeepPrompts } = {}): Promise<ModelFrameBox[][]> {
    const { prompts, signal, ...decode } = options;
    const ranked = await this.withBatch(batch, prompts, false, (native) => this.run((handle) => runLongJob('prediction', { signal }, (cancel) => handle.predict(native, { ...decode, cancel }))));
    return ranked.map(({ boxes, scores }) => Array.from(scores, (score, k) => ({ box: [boxes[4 * k]!, boxes[4 * k + 1]!, boxes[4 * k + 2]!, boxes[4 * k + 3]!], score })));
  }

  /** Pooled features before fusion: image = mean of the vision tokens (B×Dv), text = BERT's pooled output (B×Dt). */
  async features(batch: Batch): Promise<{ image: Tensor; text: Tensor }> {
    const result = await this.withBatch(batch, undefined, false, (native) => this.run((handle) => handle.features(native)));
    return { image: new Tensor(result.image), text: new Tensor(result.text) };
  }

  /** The encoders' outputs before fusion, with the given prompts: image tokens B×N×Dv, text
   * hidden states B×T×Dt and BERT's pooled output B×Dt. */
  async encode(batch: Batch, options: { prompts?: DeepPrompts } = {}): Promise<{ imageTokens: Tensor; textHidden: Tensor; textPooled: Tensor }> {
    const result = await this.withBatch(batch, options.prompts, false, (native) => this.run((handle) => handle.encode(native)));
    return { imageTokens: new Tensor(result.imageTokens), textHidden: new Tensor(result.textHidden), textPooled: new Tensor(result.textPooled) };
  }

  /** The model's own prompts for a batch (the baselines': learned, coupled or generated from the
   * expression), one B×L×D tensor per prompted layer. */
  async ownPrompts(batch: Batch): Promise<Required<DeepPrompts>> {
    const result = await this.withBatch(batch, undefined, false, (native) => this.run((handle) => handle.ownPrompts(native)));
    return { visual: result.visual.map((handle) => new Tensor(handle)), textual: result.textual.map((handle) => new Tensor(handle)) };
  }

  /** The batch (and the given prompts) as native tensors for one call. */
  private withBatch<T>(batch: Batch, prompts: DeepPrompts | undefined, withBoxes: boolean, call: (native: NativeGroundingBatch) => Promise<T>): Promise<T> {
    return withGroundingBatch(batch, { imageSize: this.config.imageSize, withBoxes }, (native) =>
      call({
        ...native,
        ...(prompts?.visual ? { visualPrompts: prompts.visual.map((p) => p.handle) } : {}),
        ...(prompts?.textual ? { textPrompts: prompts.textual.map((p) => p.handle) } : {}),
      }),
    );
  }
}
