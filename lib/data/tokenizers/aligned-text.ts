// A string being normalised for tokenising (cleaned, lower-cased, accents stripped, split) that
// remembers, for each of its UTF-16 units, the span [start, end) of the original string it came
// from. Spans count Unicode code points, as Python indexes strings and as MDETR's
// `tokens_positive` are written, so token offsets and positive spans compare directly.
import type { CharSpan } from '../sample';

export class AlignedText {
  private constructor(
    readonly text: string,
    private readonly starts: readonly number[],
    private readonly ends: readonly number[],
  ) {}

  static of(original: string): AlignedText {
    const starts: number[] = [];
    const ends: number[] = [];
    let codePoint = 0;
    for (const char of original) {
      for (let unit = 0; unit < char.length; unit++) {
        starts.push(codePoint);
        ends.push(codePoint + 1);
      }
      codePoint++;
    }
    return new AlignedText(original, starts, ends);
  }

  /** Rewrites each code point (to nothing, itself or several); what it becomes keeps its span. */
  mapCodePoints(rewrite: (char: string) => string): AlignedText {
    let text = '';
    const starts: number[] = [];
    const ends: number[] = [];
    let unit = 0;
    for (const char of this.text) {
      const output = rewrite(char);
      text += output;
      for (let i = 0; i < output.length; i++) {
        starts.push(this.starts[unit]!);
        ends.push(this.ends[unit + char.length - 1]!);
      }
      unit += char.length;
    }
    return new AlignedText(text, starts, ends);
  }

  /** Replaces each match of a global pattern; the replacement takes the span of the whole match. */
  replaceMatches(pattern: RegExp, replace: (match: string) => string): AlignedText {
    let text = '';
    const starts: number[] = [];
    const ends: number[] = [];
    let last = 0;
    const keep = (from: number, to: number): void => {
      text += this.text.slice(from, to);
      for (let unit = from; unit < to; unit++) {
        starts.push(this.starts[unit]!);
        ends.push(this.ends[unit]!);
      }
    };
    for (const match of this.text.matchAll(pattern)) {
      if (match[0].length === 0) continue;
      keep(last, match.index);
      const output = replace(match[0]);
      text += output;
      for (let i = 0; i < output.length; i++) {
        starts.push(this.starts[match.index]!);
        ends.push(this.ends[match.index + match[0].length - 1]!);
      }
      last = match.index + match[0].length;
    }
    keep(last, this.text.length);
    return new AlignedText(text, starts, ends);
  }

  /** The original span behind units [start, end) of this text (end > start). */
  spanOf(start: number, end: number): CharSpan {
    return [this.starts[start]!, this.ends[end - 1]!];
  }
}
