// ClipModel: CLIP (a ViT image tower with a class token and a causal text transformer) with
// Hugging Face CLIPModel's parameter names, frozen: the prompt generator's conditioner (the
// reference conditions on CLIP ViT-B/32). Published weights load by name with `loadWeights`
// (e.g. openai/clip-vit-base-patch32's model.safetensors; its `*.position_ids` buffers are
// ignored); `save` and `load` keep a checkpoint folder.
//
// Inputs: images normalised with CLIP_NORMALIZATION, text tokenized by ClipBpeTokenizer (from a
// user-supplied bpe_simple_vocab_16e6.txt.gz) to contextLength tokens:
//   const tokenizer = ClipBpeTokenizer.fromVocabFile(file);
//   const batch = await makeBatch(samples, clip.batchOptions(tokenizer));
//   const { image, text, imageMap } = await clip.encodeBatch(batch);
// or, for one text, tokenizer.encode(text, { maxLength: clip.config.contextLength }).
import { type ClipConfig, type ClipConfigInput, clipConfigSchema } from '../config/clip-config';
import { parseConfig } from '../config/parse-config';
import type { Batch, BatchOptions, ImageNormalization } from '../data/batching';
import type { TextTokenizer } from '../data/tokenizers/tokenized-text';
import { DiffPromptError } from '../errors';
import { native } from '../native';
import type { NativeClipHandle } from '../native-api';
import { Tensor } from '../tensor';
import type { ConditionWidths, GeneratorConditioner } from './generator-conditioner';
import { NativeModel, storedConfig } from './native-model';

const KIND = 'clip-model';
/** The batch's token set this model reads. */
export const CLIP_TOKENS = 'clip';
/** CLIP's own preprocessing statistics on 0..1 RGB (OpenAI's and Hugging Face's processors). The
 * reference feeds stage 2 images normalised by 0.5 instead; pass that to makeBatch to copy it. */
export const CLIP_NORMALIZATION: ImageNormalization = {
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
};

/** CLIP's embeddings, unnormalised (as get_image_features and get_text_features give them). */
export interface ClipEncoding {
  /** B×P: visual_projection(post_layernorm(class token)). */
  image: Tensor;
  /** B×P: text_projection(final_layer_norm output at the highest token id, the end-of-text token). */
  text: Tensor;
  /** B×P×g×g (g = imageSize / patchSize): the last layer's patch tokens through the same
   * post_layernorm and visual_projection, on their grid, so in the image embedding's space. */
  imageMap: Tensor;
}

export interface ClipModelOptions {
  /** The tokenizer batchOptions() uses by default (a ClipBpeTokenizer), as the generator's conditioner needs. */
  tokenizer?: TextTokenizer;
}

export class ClipModel extends NativeModel<NativeClipHandle, ClipConfig> implements GeneratorConditioner {
  /** As the prompt generator's conditioner (GeneratorConditioner): the token set it reads. */
  readonly conditionerTokens = CLIP_TOKENS;
  private readonly tokenizer: TextTokenizer | undefined;

  private constructor(config: ClipConfig, options: ClipModelOptions) {
    super(new (native().NativeClipModel)(config), config, KIND);
    this.tokenizer = options.tokenizer;
  }

  /** A model with Hugging Face's initialisation (drawn from the config's seed); load published weights into it with loadWeights. */
  static create(config: ClipConfigInput, options: ClipModelOptions = {}): Promise<ClipModel> {
    return new ClipModel(parseConfig(clipConfigSchema, config, 'CLIP config'), options).built();
  }

  /** The embeddings are the projection's width, the map's channels too. */
  get conditionWidths(): ConditionWidths {
    const width = this.config.projectionDim;
    return { image: width, text: width, map: width };
  }

  /** A checkpoint folder written by save(). CLIP does not train here, so there is no training state. */
  static async load(dir: string, options: ClipModelOptions = {}): Promise<ClipModel> {
    const model = await new ClipModel(parseConfig(clipConfigSchema, storedConfig(dir, KIND), `CLIP config in ${dir}`), options).built();
    await model.restore(dir, false);
    return model;
  }

  /** How to batch data for this model: its frame, CLIP's normalisation and `tokenizer` (a
   * ClipBpeTokenizer; default the one the model was made with) framed to contextLength tokens. */
  batchOptions(tokenizer: TextTokenizer | undefined = this.tokenizer): BatchOptions {
    if (!tokenizer) {
      throw new DiffPromptError('ERR_CONFIG', 'CLIP reads BPE tokens: pass a ClipBpeTokenizer (ClipBpeTokenizer.fromVocabFile(bpe_simple_vocab_16e6.txt.gz)) to batchOptions or to create/load');
    }
    if (tokenizer.vocabSize !== this.config.vocabSize) {
      throw new DiffPromptError('ERR_CONFIG', `the tokenizer has ${tokenizer.vocabSize} tokens but this CLIP reads ${this.config.vocabSize}: use ClipBpeTokenizer with CLIP's vocabulary`);
    }
    return {
      size: this.config.imageSize,
      normalize: CLIP_NORMALIZATION,
      tokenizers: { [CLIP_TOKENS]: { tokenizer, maxLength: this.config.contextLength } },
    };
  }

  /** images B×3×S×S float32, ids B×T int32 or int64 (T ≤ contextLength), attentionMask B×T
   * (nonzero for real tokens): one native call, no grad, results on the CPU. */
  async encode(images: Tensor, ids: Tensor, attentionMask: Tensor): Promise<ClipEncoding> {
    const result = await this.run((handle) => handle.encode(images.handle, ids.handle, attentionMask.handle));
    return { image: new Tensor(result.image), text: new Tensor(result.text), imageMap: new Tensor(result.imageMap) };
  }

  /** encode() on a batch made with batchOptions(). */
  async encodeBatch(batch: Batch): Promise<ClipEncoding> {
    const tokens = batch.tokens[CLIP_TOKENS];
    if (!tokens) throw new DiffPromptError('ERR_CONFIG', `the batch has no "${CLIP_TOKENS}" tokens: make it with model.batchOptions(tokenizer)`);
    const { count, size } = batch;
    using images = Tensor.from(batch.images, [count, 3, size.height, size.width]);
    using ids = Tensor.from(tokens.ids, [count, tokens.length]);
    using attentionMask = Tensor.from(tokens.attentionMask, [count, tokens.length]);
    return await this.encode(images, ids, attentionMask);
  }
}
