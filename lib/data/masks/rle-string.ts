// COCO's compressed RLE string (pycocotools `rleToString` / `rleFrString`): each run count is
// written as a little-endian sequence of 5-bit groups, one character per group, ASCII 48..111:
// bit 0x20 says "another group follows", bit 0x10 of the last group is the sign. From the fourth
// count on (index > 2), the count is stored as the difference from the count two places back
// (runs of the same value tend to be alike), exactly as pycocotools does.
import { DiffPromptError } from '../../errors';

const FIRST_CHAR = 48; // '0'
const LAST_CHAR = 111; // 'o'

/** Run counts → the COCO string, e.g. [3, 4, 2] → "342", [100] → "T3". */
export function rleCountsToString(counts: readonly number[]): string {
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    let x = i > 2 ? counts[i]! - counts[i - 2]! : counts[i]!;
    let more = true;
    while (more) {
      let group = ((x % 32) + 32) % 32; // x & 0x1f, also for negative x
      x = Math.floor(x / 32); // arithmetic shift right by 5
      more = group & 0x10 ? x !== -1 : x !== 0;
      if (more) group |= 0x20;
      out += String.fromCharCode(group + FIRST_CHAR);
    }
  }
  return out;
}

/** The COCO string → run counts. Throws ERR_DATA on a character outside '0'..'o' or a cut-off count. */
export function rleCountsFromString(text: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= text.length) {
        throw new DiffPromptError('ERR_DATA', `compressed RLE string ends inside a count (at character ${p}): the string is cut off`);
      }
      const code = text.charCodeAt(p);
      if (code < FIRST_CHAR || code > LAST_CHAR) {
        throw new DiffPromptError('ERR_DATA', `compressed RLE string has an invalid character ${JSON.stringify(text[p])} at ${p}: only '0'..'o' occur in COCO RLE`);
      }
      const group = code - FIRST_CHAR;
      x += (group & 0x1f) * 2 ** (5 * k);
      more = (group & 0x20) !== 0;
      p++;
      k++;
      if (!more && group & 0x10) x -= 2 ** (5 * k); // sign-extend
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    counts.push(x);
  }
  return counts;
}
