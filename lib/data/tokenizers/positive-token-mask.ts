// Which tokens belong to the referent's phrase: a token is positive when its character span
// overlaps any positive span (MDETR's tokens_positive), as GLIP's positive map marks every token
// from the one holding a span's first character to the one holding its last. Special tokens and
// padding ([0, 0]) are never positive.
import type { CharSpan } from '../sample';

export function positiveTokenMask(offsets: readonly CharSpan[], tokensPositive: readonly CharSpan[]): Uint8Array {
  const mask = new Uint8Array(offsets.length);
  offsets.forEach(([start, end], i) => {
    if (end <= start) return;
    if (tokensPositive.some(([spanStart, spanEnd]) => start < spanEnd && spanStart < end)) mask[i] = 1;
  });
  return mask;
}
