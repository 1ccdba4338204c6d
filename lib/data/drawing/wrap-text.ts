// Breaking a text into lines of at most `columns` characters at spaces (a longer word is cut),
// keeping at most `maxLines`; text that does not fit ends the last line with "...".
export function wrapText(text: string, columns: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.trim().split(/\s+/)) {
    let rest = word;
    while (rest.length > 0) {
      const gap = line.length === 0 ? '' : ' ';
      if (line.length + gap.length + rest.length <= columns) {
        line += gap + rest;
        rest = '';
      } else if (line.length === 0) {
        line = rest.slice(0, columns); // a word longer than a line
        rest = rest.slice(columns);
        lines.push(line);
        line = '';
      } else {
        lines.push(line);
        line = '';
      }
    }
  }
  if (line.length > 0) lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  const last = kept[maxLines - 1]!;
  kept[maxLines - 1] = `${last.slice(0, Math.max(0, columns - 3))}...`;
  return kept;
}
