// What every tokenizer returns, and how a list of pieces is framed into it: a start token, the
// pieces (cut to fit), an end token, then padding to the maximum length.
//   ids            Int32Array, L (L = maxLength when padding, else the real length)
//   attentionMask  Uint8Array, L: 1 for real tokens (specials included), 0 for padding
//   offsets        L spans [start, end) into the original text in code points; [0, 0] for
//                  special tokens and padding (compare with tokensPositive, positive-token-mask.ts)
//   tokens         L token strings, for reading and debugging
import { DiffPromptError } from '../../errors';
import type { CharSpan } from '../sample';

export interface TokenizedText {
  ids: Int32Array;
  attentionMask: Uint8Array;
  offsets: CharSpan[];
  tokens: string[];
}

export interface EncodeOptions {
  /** Total length with the start and end tokens; each tokenizer has its default. */
  maxLength?: number;
  /** Pad to maxLength (default true, as GLIP's PAD_MAX and CLIP's fixed context). */
  pad?: boolean;
  /** Cut a long text to maxLength, keeping the end token last (default true); false makes it an ERR_DATA. */
  truncate?: boolean;
}

export interface TextTokenizer {
  readonly vocabSize: number;
  encode(text: string, options?: EncodeOptions): TokenizedText;
}

/** A token of the text itself, before framing. */
export interface TextPiece {
  token: string;
  id: number;
  span: CharSpan;
}

export interface FrameTokens {
  start: { token: string; id: number };
  end: { token: string; id: number };
  pad: { token: string; id: number };
  defaultMaxLength: number;
}

export function frameTokens(text: string, pieces: readonly TextPiece[], frame: FrameTokens, options: EncodeOptions = {}): TokenizedText {
  const maxLength = options.maxLength ?? frame.defaultMaxLength;
  if (!Number.isInteger(maxLength) || maxLength < 2) {
    throw new DiffPromptError('ERR_CONFIG', `maxLength must be an integer ≥ 2 (room for the start and end tokens); got ${maxLength}`);
  }
  if (pieces.length + 2 > maxLength && options.truncate === false) {
    const preview = text.length > 60 ? `${text.slice(0, 57)}...` : text;
    throw new DiffPromptError('ERR_DATA', `"${preview}" has ${pieces.length + 2} tokens, more than maxLength ${maxLength}: shorten it or allow truncation`);
  }
  const kept = pieces.slice(0, maxLength - 2);
  const length = options.pad === false ? kept.length + 2 : maxLength;
  const ids = new Int32Array(length).fill(frame.pad.id);
  const attentionMask = new Uint8Array(length);
  const offsets: CharSpan[] = [];
  const tokens: string[] = [];
  const put = (index: number, token: string, id: number, span: CharSpan): void => {
    ids[index] = id;
    attentionMask[index] = 1;
    offsets.push(span);
    tokens.push(token);
  };
  put(0, frame.start.token, frame.start.id, [0, 0]);
  kept.forEach((piece, i) => put(i + 1, piece.token, piece.id, [piece.span[0], piece.span[1]]));
  put(kept.length + 1, frame.end.token, frame.end.id, [0, 0]);
  for (let i = kept.length + 2; i < length; i++) {
    offsets.push([0, 0]);
    tokens.push(frame.pad.token);
  }
  return { ids, attentionMask, offsets, tokens };
}
