// Text in DejaVu Sans measured before drawing, because resvg draws each <text> on one line:
// widths come from the font's advance widths (hmtx table of DejaVuSans.ttf, 2048 units per em,
// printable ASCII), so lines are broken where they would overflow. Kerning is left out: the
// font's kerning pairs draw a line a little narrower than this sum, so a line measured to fit does.
const UNITS_PER_EM = 2048;
const FIRST_CODE = 32; // ' '
// prettier-ignore
const ASCII_ADVANCES = [
  651,
  821,
  942,
  1716,
  1303,
  1946,
  1597,
  563,
  799,
  799,
  1024,
  1716,
  651,
  739,
  651,
  690, // space to /
  1303,
  1303,
  1303,
  1303,
  1303,
  1303,
  1303,
  1303,
  1303,
  1303,
  690,
  690,
  1716,
  1716,
  1716,
  1087, // 0 to ?
  2048,
  1401,
  1405,
  1430,
  1577,
  1294,
  1178,
  1587,
  1540,
  604,
  604,
  1343,
  1141,
  1767,
  1532,
  1612, // @ to O
  1235,
  1612,
  1423,
  1300,
  1251,
  1499,
  1401,
  2025,
  1403,
  1251,
  1403,
  799,
  690,
  799,
  1716,
  1024, // P to _
  1024,
  1255,
  1300,
  1126,
  1300,
  1260,
  721,
  1300,
  1298,
  569,
  569,
  1186,
  569,
  1995,
  1298,
  1253, // ` to o
  1300,
  1300,
  842,
  1067,
  803,
  1298,
  1212,
  1675,
  1212,
  1212,
  1075,
  1303,
  690,
  1303,
  1716, // p to ~
];
/** What the font gives the ellipsis; any other character outside ASCII is counted a full em, wider than most glyphs. */
const ELLIPSIS = '…';
const ELLIPSIS_ADVANCE = 2048;

function advance(character: string): number {
  if (character === ELLIPSIS) return ELLIPSIS_ADVANCE;
  return ASCII_ADVANCES[character.codePointAt(0)! - FIRST_CODE] ?? UNITS_PER_EM;
}

/** Width in pixels of `text` on one line at `fontSize` pixels per em. */
export function textWidth(text: string, fontSize: number): number {
  let units = 0;
  for (const character of text) units += advance(character);
  return (units * fontSize) / UNITS_PER_EM;
}

/** The longest start of `text` (whole characters) at most `maxWidth` wide. */
function fittingStart(text: string, maxWidth: number, fontSize: number): string {
  let kept = '';
  for (const character of text) {
    if (textWidth(kept + character, fontSize) > maxWidth) break;
    kept += character;
  }
  return kept;
}

/** `text` ended with "…" where it had to be cut to fit `maxWidth`. */
function withEllipsis(text: string, maxWidth: number, fontSize: number): string {
  return `${fittingStart(text, maxWidth - textWidth(ELLIPSIS, fontSize), fontSize).trimEnd()}${ELLIPSIS}`;
}

/**
 * Lines of at most `maxWidth` pixels, broken at spaces (a word wider than a line is cut), at
 * most `maxLines` of them; when the text does not fit, the last line ends with "…".
 */
export function wrapText(text: string, maxWidth: number, fontSize: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    let rest = word;
    while (rest.length > 0) {
      const joined = line.length === 0 ? rest : `${line} ${rest}`;
      if (textWidth(joined, fontSize) <= maxWidth) {
        line = joined;
        rest = '';
      } else if (line.length > 0) {
        lines.push(line);
        line = '';
      } else {
        // A word wider than a line: as much of it as fits (at least one character), the rest on the next.
        const head = fittingStart(rest, maxWidth, fontSize) || [...rest][0]!;
        lines.push(head);
        rest = rest.slice(head.length);
      }
    }
  }
  if (line.length > 0) lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = withEllipsis(kept[maxLines - 1]!, maxWidth, fontSize);
  return kept;
}

/** `text`, or where it is wider than `maxWidth`, "…" and its end (ids differ at the end: …0605_3#0). */
export function keepEnd(text: string, maxWidth: number, fontSize: number): string {
  if (textWidth(text, fontSize) <= maxWidth) return text;
  const reversed = [...text].reverse().join('');
  const end = fittingStart(reversed, maxWidth - textWidth(ELLIPSIS, fontSize), fontSize);
  return `${ELLIPSIS}${[...end].reverse().join('')}`;
}
