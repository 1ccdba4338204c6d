// How samples become a batch: the model frame (size and aspect handling), the image
// normalisation, and the tokenizers of the encoders that read text. Checked once, up front:
// a bad option is ERR_CONFIG before any sample is touched.
import { DiffPromptError } from '../../errors';
import type { AspectMode, FrameSize } from '../images/model-frame';
import type { TextTokenizer } from '../tokenizers/tokenized-text';
import { channelLookup, checkNormalization, type ImageNormalization } from './image-tensor';

/** A tokenizer for one encoder; maxLength fixes L (default: the tokenizer's own, e.g. 77 for CLIP). */
export interface BatchTokenizer {
  tokenizer: TextTokenizer;
  maxLength?: number;
}

export interface BatchOptions {
  /** The model frame in pixels: a number for a square, e.g. 64 (tiny) or 224 (paper). */
  size: number | FrameSize;
  /** Default 'stretch' (the reference's Resize((224, 224))); 'letterbox' keeps the aspect. */
  aspect?: AspectMode;
  /** Per-channel (v − mean) / std on 0..1 values; absent or null: plain 0..1. */
  normalize?: ImageNormalization | null;
  /** Encoder name → its tokenizer; each gives the batch one token set under that name. */
  tokenizers?: Record<string, TextTokenizer | BatchTokenizer>;
}

export interface ResolvedBatchOptions {
  size: FrameSize;
  aspect: AspectMode;
  /** Byte → float per channel, from channelLookup. */
  lookup: Float32Array;
  tokenizers: { name: string; tokenizer: TextTokenizer; maxLength: number | undefined }[];
}

export function resolveBatchOptions(options: BatchOptions): ResolvedBatchOptions {
  const size = typeof options.size === 'number' ? { width: options.size, height: options.size } : { width: options.size.width, height: options.size.height };
  if (![size.width, size.height].every((side) => Number.isSafeInteger(side) && side > 0)) {
    throw new DiffPromptError('ERR_CONFIG', `batch size option \`size\` must be whole positive pixels (a number or {width, height}); got ${JSON.stringify(options.size)}`);
  }
  const aspect = options.aspect ?? 'stretch';
  if (aspect !== 'stretch' && aspect !== 'letterbox') {
    throw new DiffPromptError('ERR_CONFIG', `batch option \`aspect\` must be 'stretch' or 'letterbox'; got ${JSON.stringify(aspect)}`);
  }
  if (options.normalize) checkNormalization(options.normalize);
  const tokenizers = Object.entries(options.tokenizers ?? {}).map(([name, entry]) => {
    const { tokenizer, maxLength } = 'encode' in entry ? { tokenizer: entry, maxLength: undefined } : entry;
    if (typeof tokenizer?.encode !== 'function') {
      throw new DiffPromptError('ERR_CONFIG', `batch tokenizer "${name}" is not a tokenizer (an object with encode(text, options))`);
    }
    if (maxLength !== undefined && !(Number.isSafeInteger(maxLength) && maxLength >= 2)) {
      throw new DiffPromptError('ERR_CONFIG', `batch tokenizer "${name}": maxLength must be an integer ≥ 2; got ${maxLength}`);
    }
    return { name, tokenizer, maxLength };
  });
  return { size, aspect, lookup: channelLookup(options.normalize), tokenizers };
}
