// The generated world's tokenizer: whole words from a fixed vocabulary, shipped with the model
// as vocab.txt. Words are found as BERT's BasicTokenizer finds them (lower case, accents
// stripped, punctuation split off), so the output has BERT's shape: [CLS] words [SEP] [PAD]...
// Ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, then the words in the order given.
import { DiffPromptError } from '../../errors';
import { bertBasicTokenize } from './bert-basic-tokenizer';
import { frameTokens, type EncodeOptions, type FrameTokens, type TextPiece, type TextTokenizer, type TokenizedText } from './tokenized-text';
import { readVocabFile, writeVocabFile } from './vocab-file';

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;
const DEFAULT_MAX_LENGTH = 32;

export class WordLevelTokenizer implements TextTokenizer {
  private readonly ids: Map<string, number>;
  private readonly frame: FrameTokens = {
    start: { token: '[CLS]', id: 2 },
    end: { token: '[SEP]', id: 3 },
    pad: { token: '[PAD]', id: 0 },
    defaultMaxLength: DEFAULT_MAX_LENGTH,
  };

  private constructor(readonly vocabulary: readonly string[]) {
    this.ids = new Map(vocabulary.map((token, id) => [token, id]));
  }

  /** A vocabulary of the special tokens and these words, each normalised and split as the tokenizer will split text. */
  static fromWords(words: Iterable<string>): WordLevelTokenizer {
    const vocabulary: string[] = [...SPECIAL_TOKENS];
    const seen = new Set<string>(vocabulary);
    for (const word of words) {
      const { aligned, words: parts } = bertBasicTokenize(word);
      for (const part of parts) {
        const token = aligned.text.slice(part.start, part.end);
        if (!seen.has(token)) {
          seen.add(token);
          vocabulary.push(token);
        }
      }
    }
    return new WordLevelTokenizer(vocabulary);
  }

  /** Reads a vocab.txt written by `save`; the first four lines must be [PAD] [UNK] [CLS] [SEP]. */
  static load(file: string): WordLevelTokenizer {
    return WordLevelTokenizer.fromVocabulary(readVocabFile(file), file);
  }

  /** A vocabulary as `save` writes it, one token per entry. */
  static fromVocabulary(vocabulary: readonly string[], source = 'the vocabulary'): WordLevelTokenizer {
    const head = vocabulary.slice(0, SPECIAL_TOKENS.length);
    if (head.join('\n') !== SPECIAL_TOKENS.join('\n')) {
      throw new DiffPromptError('ERR_DATA', `${source} is not a word-level vocabulary: its first lines are ${JSON.stringify(head)}, not ${JSON.stringify(SPECIAL_TOKENS)}`);
    }
    if (new Set(vocabulary).size !== vocabulary.length) throw new DiffPromptError('ERR_DATA', `${source} lists a token twice; every line must be a different token`);
    return new WordLevelTokenizer([...vocabulary]);
  }

  save(file: string): void {
    writeVocabFile(file, this.vocabulary);
  }

  get vocabSize(): number {
    return this.vocabulary.length;
  }

  pieces(text: string): TextPiece[] {
    const { aligned, words } = bertBasicTokenize(text);
    return words.map((word) => {
      const token = aligned.text.slice(word.start, word.end);
      const id = this.ids.get(token);
      const span = aligned.spanOf(word.start, word.end);
      return id === undefined ? { token: '[UNK]', id: 1, span } : { token, id, span };
    });
  }

  encode(text: string, options?: EncodeOptions): TokenizedText {
    return frameTokens(text, this.pieces(text), this.frame, options);
  }
}
