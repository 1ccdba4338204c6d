// CLIP's text cleaning before BPE (openai/CLIP simple_tokenizer.py): `basic_clean` without ftfy
// (HTML entities unescaped twice, so "&amp;amp;" → "&", then trimmed), `whitespace_clean`
// (whitespace runs → one space, trimmed), then lower case. Works on an AlignedText so each
// token keeps its span in the original text.
// Python's html.unescape knows all 2,231 HTML5 names; this knows numeric references and the
// names that occur in captions (amp, lt, gt, quot, apos, nbsp); others are left as written.
import { AlignedText } from './aligned-text';

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const ENTITY = /&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z]+;)/g;

function unescapeEntity(entity: string): string {
  const body = entity.slice(1).replace(/;$/, '');
  if (body.startsWith('#')) {
    const codePoint = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
    const valid = codePoint > 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
    return valid ? String.fromCodePoint(codePoint) : '\ufffd';
  }
  return NAMED_ENTITIES[body] ?? entity;
}

export function cleanClipText(text: string): AlignedText {
  const unescapeOnce = (aligned: AlignedText): AlignedText => aligned.replaceMatches(ENTITY, unescapeEntity);
  return unescapeOnce(unescapeOnce(AlignedText.of(text)))
    .replaceMatches(/\s+/gu, () => ' ')
    .replaceMatches(/^ | $/g, () => '')
    .mapCodePoints((char) => char.toLowerCase());
}
