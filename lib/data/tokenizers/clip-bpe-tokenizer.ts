// CLIP's byte-level BPE (openai/CLIP simple_tokenizer.py) from bpe_simple_vocab_16e6.txt.gz:
// clean and lower-case the text, cut it with CLIP's pattern, map each piece's UTF-8 bytes to
// printable characters (GPT-2's bytes_to_unicode), mark the last with "</w>", and merge pairs in
// rank order. Vocabulary: 256 byte characters, the same with "</w>", the first 48,894 merges,
// <|startoftext|> 49406 and <|endoftext|> 49407 (49,408 in all). Framed as SOT pieces EOT, zero
// padded to the context of 77; a long text is cut with EOT kept last (`truncate=True`).
import fs from 'node:fs';
import zlib from 'node:zlib';
import { DiffPromptError } from '../../errors';
import { cleanClipText } from './clip-text-cleaning';
import { frameTokens, type EncodeOptions, type FrameTokens, type TextPiece, type TextTokenizer, type TokenizedText } from './tokenized-text';

/** The most bytes a CLIP vocabulary may inflate to. */
const MAX_VOCABULARY_BYTES = 64 * 2 ** 20;

const MERGE_COUNT = 49152 - 256 - 2;
const START = '<|startoftext|>';
const END = '<|endoftext|>';
const CONTEXT_LENGTH = 77;
const PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

function isPrintableByte(byte: number): boolean {
  return (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || (byte >= 174 && byte <= 255);
}

/** GPT-2's reversible byte → character map: printable bytes stand for themselves, the others (in byte order) for U+0100 onwards. */
function byteCharacters(): string[] {
  let extra = 0;
  return Array.from({ length: 256 }, (_, byte) => String.fromCodePoint(isPrintableByte(byte) ? byte : 256 + extra++));
}

export class ClipBpeTokenizer implements TextTokenizer {
  private readonly byteChars = byteCharacters();
  private readonly encoder = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();
  private readonly frame: FrameTokens;

  /** `mergesText`: the decompressed vocabulary file (a version line, then one "a b" merge per line). */
  constructor(mergesText: string) {
    const lines = mergesText.split('\n');
    const merges = lines.slice(1, MERGE_COUNT + 1).map((line) => line.split(' '));
    if (merges.length !== MERGE_COUNT || merges.some((merge) => merge.length !== 2)) {
      throw new DiffPromptError('ERR_DATA', `a CLIP BPE vocabulary has a version line and at least ${MERGE_COUNT} "a b" merge lines; this one does not`);
    }
    // Vocabulary order as CLIP builds it: byte chars, byte chars + </w>, merges, specials.
    const byteOrder = this.vocabularyByteOrder();
    const vocabulary = [...byteOrder, ...byteOrder.map((char) => `${char}</w>`), ...merges.map(([a, b]) => a! + b!), START, END];
    vocabulary.forEach((token, id) => this.encoder.set(token, id));
    merges.forEach(([a, b], rank) => this.ranks.set(`${a} ${b}`, rank));
    this.frame = {
      start: { token: START, id: this.encoder.get(START)! },
      end: { token: END, id: this.encoder.get(END)! },
      pad: { token: '<pad>', id: 0 }, // CLIP pads with 0s (the id of "!"); the attention mask tells them apart
      defaultMaxLength: CONTEXT_LENGTH,
    };
  }

  /** Reads bpe_simple_vocab_16e6.txt.gz (or the same file uncompressed, at most MAX_VOCABULARY_BYTES). */
  static fromVocabFile(file: string): ClipBpeTokenizer {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (error) {
      throw new DiffPromptError('ERR_DATA', `CLIP vocabulary file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): check the path`, { cause: error });
    }
    const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
    try {
      // Bounded: a hostile .gz could otherwise inflate to any size (OpenAI's file inflates to 3.2 MB).
      return new ClipBpeTokenizer((gzipped ? zlib.gunzipSync(bytes, { maxOutputLength: MAX_VOCABULARY_BYTES }) : bytes).toString('utf8'));
    } catch (error) {
      if (error instanceof DiffPromptError) throw new DiffPromptError('ERR_DATA', `${file}: ${error.message}`, { cause: error });
      throw new DiffPromptError('ERR_DATA', `CLIP vocabulary file ${file} does not decompress (${String(error)}): download it again`, { cause: error });
    }
  }

  get vocabSize(): number {
    return this.encoder.size;
  }

  /** The byte characters in CLIP's vocabulary order (printable bytes first, then the rest). */
  private vocabularyByteOrder(): string[] {
    const bytes = Array.from({ length: 256 }, (_, byte) => byte);
    return [...bytes.filter(isPrintableByte), ...bytes.filter((byte) => !isPrintableByte(byte))].map((byte) => this.byteChars[byte]!);
  }

  /** Merges one pre-token (byte characters) into BPE tokens, CLIP's `bpe()`. */
  private bpe(token: string): string[] {
    const cached = this.cache.get(token);
    if (cached) return cached;
    const chars = [...token];
    let word = [...chars.slice(0, -1), `${chars[chars.length - 1]!}</w>`];
    while (word.length > 1) {
      let best: string | undefined;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = `${word[i]} ${word[i + 1]}`;
        }
      }
      if (best === undefined) break;
      const [first, second] = best.split(' ') as [string, string];
      const merged: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (word[i] === first && i < word.length - 1 && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i++]!);
        }
      }
      word = merged;
    }
    this.cache.set(token, word);
    return word;
  }

  /** The text's own pieces with their spans, before SOT/EOT and padding. */
  pieces(text: string): TextPiece[] {
    const aligned = cleanClipText(text);
    const pieces: TextPiece[] = [];
    for (const match of aligned.text.matchAll(PATTERN)) {
      const pretoken = match[0];
      if (pretoken === START || pretoken === END) {
        pieces.push({ token: pretoken, id: this.encoder.get(pretoken)!, span: aligned.spanOf(match.index, match.index + pretoken.length) });
        continue;
      }
      // For each UTF-8 byte of the pre-token, the unit (within it) of the character it encodes.
      const byteUnits: number[] = [];
      let byteText = '';
      let unit = 0;
      for (const char of pretoken) {
        for (const byte of Buffer.from(char, 'utf8')) {
          byteText += this.byteChars[byte]!;
          byteUnits.push(unit);
        }
        unit += char.length;
      }
      let byteOffset = 0;
      for (const token of this.bpe(byteText)) {
        const byteLength = token.replace(/<\/w>$/, '').length;
        const firstUnit = byteUnits[byteOffset]!;
        const lastUnit = byteUnits[byteOffset + byteLength - 1]!;
        const lastChar = String.fromCodePoint(pretoken.codePointAt(lastUnit)!);
        pieces.push({
          token,
          id: this.encoder.get(token)!,
          span: aligned.spanOf(match.index + firstUnit, match.index + lastUnit + lastChar.length),
        });
        byteOffset += byteLength;
      }
    }
    return pieces;
  }

  encode(text: string, options?: EncodeOptions): TokenizedText {
    return frameTokens(text, this.pieces(text), this.frame, options);
  }
}
