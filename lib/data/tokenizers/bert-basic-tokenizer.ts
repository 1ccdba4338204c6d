// BERT's BasicTokenizer (google-research/bert tokenization.py, as HuggingFace's), the step
// before WordPiece: drop NUL, U+FFFD and control characters, turn whitespace into spaces, put
// spaces around CJK ideographs, lower-case and strip accents (NFD, drop Mn marks), split off
// every punctuation character, split on whitespace. Each step works code point by code point on
// an AlignedText, so every word keeps its span in the original text. (Python lower-cases a word
// at a time; per code point differs only for a word-final capital sigma, Σ → σ not ς.)
import { AlignedText } from './aligned-text';

/** A word of the normalised text: units [start, end) of `aligned.text`. */
export interface BasicWord {
  start: number;
  end: number;
}

export interface BasicTokens {
  aligned: AlignedText;
  words: BasicWord[];
}

const CONTROL = /^\p{C}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
const PUNCTUATION = /^\p{P}$/u;
const NONSPACING_MARK = /\p{Mn}/gu;

function isWhitespace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r' || SPACE_SEPARATOR.test(char);
}

function isControl(char: string): boolean {
  return !(char === '\t' || char === '\n' || char === '\r') && CONTROL.test(char);
}

/** BERT counts all non-letter/number ASCII as punctuation ($, ^, `...), plus Unicode P*. */
function isPunctuation(char: string): boolean {
  const cp = char.codePointAt(0)!;
  return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126) || PUNCTUATION.test(char);
}

/** The CJK Unified Ideographs blocks BERT splits per character (not Hangul, kana). */
function isCjk(char: string): boolean {
  const cp = char.codePointAt(0)!;
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

export function bertBasicTokenize(text: string, lowerCase = true): BasicTokens {
  let aligned = AlignedText.of(text).mapCodePoints((char) => {
    const cp = char.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(char)) return '';
    return isWhitespace(char) ? ' ' : char;
  });
  aligned = aligned.mapCodePoints((char) => (isCjk(char) ? ` ${char} ` : char));
  if (lowerCase) aligned = aligned.mapCodePoints((char) => char.toLowerCase().normalize('NFD').replace(NONSPACING_MARK, ''));
  aligned = aligned.mapCodePoints((char) => (isPunctuation(char) ? ` ${char} ` : char));
  const words = [...aligned.text.matchAll(/\S+/gu)].map((match) => ({ start: match.index, end: match.index + match[0].length }));
  return { aligned, words };
}
