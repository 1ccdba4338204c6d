// BERT WordPiece (bert-base-uncased and kin) from a vocab.txt: BasicTokenizer words, then each
// word split greedily into the longest vocabulary pieces from its start, continuations written
// "##piece"; a word with a piece not in the vocabulary, or longer than 100 characters, becomes
// [UNK]. Framed as [CLS] pieces [SEP] [PAD]...
import { DiffPromptError } from '../../errors';
import { bertBasicTokenize } from './bert-basic-tokenizer';
import { frameTokens, type EncodeOptions, type FrameTokens, type TextPiece, type TextTokenizer, type TokenizedText } from './tokenized-text';
import { readVocabFile } from './vocab-file';

const MAX_WORD_CHARS = 100;
/** GLIP's MODEL.LANGUAGE_BACKBONE.MAX_QUERY_LEN. */
const DEFAULT_MAX_LENGTH = 256;

export interface BertWordPieceOptions {
  /** Lower-case and strip accents (true for *-uncased vocabularies). */
  lowerCase?: boolean;
}

export class BertWordPieceTokenizer implements TextTokenizer {
  private readonly ids: Map<string, number>;
  private readonly frame: FrameTokens;
  private readonly unkId: number;
  private readonly lowerCase: boolean;

  constructor(vocabulary: readonly string[], options: BertWordPieceOptions = {}) {
    this.ids = new Map(vocabulary.map((token, id) => [token, id]));
    const special = (token: string): { token: string; id: number } => {
      const id = this.ids.get(token);
      if (id === undefined) throw new DiffPromptError('ERR_DATA', `the BERT vocabulary has no ${token} token: is this a WordPiece vocab.txt?`);
      return { token, id };
    };
    this.frame = { start: special('[CLS]'), end: special('[SEP]'), pad: special('[PAD]'), defaultMaxLength: DEFAULT_MAX_LENGTH };
    this.unkId = special('[UNK]').id;
    this.lowerCase = options.lowerCase ?? true;
  }

  static fromVocabFile(file: string, options: BertWordPieceOptions = {}): BertWordPieceTokenizer {
    return new BertWordPieceTokenizer(readVocabFile(file), options);
  }

  get vocabSize(): number {
    return this.ids.size;
  }

  /** The text's own pieces with their spans, before [CLS]/[SEP] and padding. */
  pieces(text: string): TextPiece[] {
    const { aligned, words } = bertBasicTokenize(text, this.lowerCase);
    const pieces: TextPiece[] = [];
    for (const word of words) {
      // Code point boundaries inside the word, in units from the word's start.
      const boundaries = [0];
      for (const char of aligned.text.slice(word.start, word.end)) boundaries.push(boundaries[boundaries.length - 1]! + char.length);
      const wordText = aligned.text.slice(word.start, word.end);
      const wordPieces = boundaries.length - 1 > MAX_WORD_CHARS ? undefined : this.splitWord(wordText, boundaries);
      if (wordPieces === undefined) {
        pieces.push({ token: '[UNK]', id: this.unkId, span: aligned.spanOf(word.start, word.end) });
        continue;
      }
      for (const piece of wordPieces) {
        pieces.push({ token: piece.token, id: piece.id, span: aligned.spanOf(word.start + piece.from, word.start + piece.to) });
      }
    }
    return pieces;
  }

  /** Greedy longest-match-first over code points; undefined when some part matches nothing. */
  private splitWord(word: string, boundaries: number[]): { token: string; id: number; from: number; to: number }[] | undefined {
    const pieces: { token: string; id: number; from: number; to: number }[] = [];
    let start = 0;
    const last = boundaries.length - 1;
    while (start < last) {
      let end = last;
      let found: { token: string; id: number } | undefined;
      while (start < end) {
        const token = (start > 0 ? '##' : '') + word.slice(boundaries[start], boundaries[end]);
        const id = this.ids.get(token);
        if (id !== undefined) {
          found = { token, id };
          break;
        }
        end--;
      }
      if (!found) return undefined;
      pieces.push({ ...found, from: boundaries[start]!, to: boundaries[end]! });
      start = end;
    }
    return pieces;
  }

  encode(text: string, options?: EncodeOptions): TokenizedText {
    return frameTokens(text, this.pieces(text), this.frame, options);
  }
}
