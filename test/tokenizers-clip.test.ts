// CLIP BPE against the real bpe_simple_vocab_16e6.txt.gz: ids are checked against the
// vocabulary's construction (byte characters, then "</w>" forms, then merges in file order).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isDiffPromptError } from '../lib/errors';
import { ClipBpeTokenizer } from '../lib/data/tokenizers/clip-bpe-tokenizer';
import { realDataTest } from './support/real-data';

const test = suite('tokenizers: CLIP BPE');

let cached: { clip: ClipBpeTokenizer; merges: string[] } | undefined;
function load(dir: string): { clip: ClipBpeTokenizer; merges: string[] } {
  const file = path.join(dir, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  cached ??= { clip: ClipBpeTokenizer.fromVocabFile(file), merges: zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n').slice(1, 48895) };
  return cached;
}

function covered(text: string, offsets: [number, number][]): string[] {
  const chars = [...text];
  return offsets.map(([start, end]) => chars.slice(start, end).join(''));
}

realDataTest(test, '"a photo of a cat" → 49406 320 1125 539 320 2368 49407, zero-padded to 77', (dir) => {
  const { clip, merges } = load(dir);
  assert.is(clip.vocabSize, 49408);
  const result = clip.encode('a photo of a cat');
  assert.is(result.ids.length, 77);
  assert.equal([...result.ids.subarray(0, 7)], [49406, 320, 1125, 539, 320, 2368, 49407]);
  assert.ok(result.ids.subarray(7).every((id) => id === 0));
  assert.is(
    result.attentionMask.reduce((a, b) => a + b, 0),
    7,
  );
  // "a</w>": the 65th printable byte ('a' − '!') in the "</w>" half: 256 + 64.
  assert.is(256 + ('a'.charCodeAt(0) - 33), 320);
  // "photo</w>" and "cat</w>" are merges: id = 512 + the merge's line (from 0) after the header.
  const mergeId = (token: string): number => 512 + merges.findIndex((line) => line.replace(' ', '') === token);
  assert.is(mergeId('photo</w>'), 1125);
  assert.is(mergeId('cat</w>'), 2368);
  assert.is(mergeId('of</w>'), 539);
});

realDataTest(test, 'cleaning: case, runs of whitespace, HTML entities; offsets point into the original text', (dir) => {
  const { clip } = load(dir);
  const text = '  A PHOTO \n of a cat &amp;amp; dog. ';
  const result = clip.encode(text, { pad: false });
  assert.equal(result.tokens, ['<|startoftext|>', 'a</w>', 'photo</w>', 'of</w>', 'a</w>', 'cat</w>', '&</w>', 'dog</w>', '.</w>', '<|endoftext|>']);
  assert.equal(covered(text, result.offsets), ['', 'A', 'PHOTO', 'of', 'a', 'cat', '&amp;amp;', 'dog', '.', '']);
});

realDataTest(test, 'contractions, digits one by one, and multi-byte characters split into byte pieces', (dir) => {
  const { clip } = load(dir);
  const text = "it's 2024 你";
  const result = clip.encode(text, { pad: false });
  assert.equal(result.tokens.slice(1, 7), ['it</w>', "'s</w>", '2</w>', '0</w>', '2</w>', '4</w>']);
  // 你 is three UTF-8 bytes, merged into two pieces that both belong to the one character.
  const last = result.tokens.slice(7, -1);
  assert.is(last.length, 2);
  assert.equal(covered(text, result.offsets.slice(7, -1)), ['你', '你']);
});

realDataTest(test, 'a long text is cut to 77 with <|endoftext|> last; truncate: false is ERR_DATA', (dir) => {
  const { clip } = load(dir);
  const long = 'cat '.repeat(100);
  const result = clip.encode(long);
  assert.is(result.ids.length, 77);
  assert.is(result.ids[75], 2368);
  assert.is(result.ids[76], 49407);
  assert.ok(result.attentionMask.every((value) => value === 1));
  assert.throws(
    () => clip.encode(long, { truncate: false }),
    (error: unknown) => isDiffPromptError(error, 'ERR_DATA') && /more than maxLength 77/.test((error as Error).message),
  );
});

test('a missing or non-BPE vocabulary file is ERR_DATA', () => {
  assert.throws(
    () => ClipBpeTokenizer.fromVocabFile('/nonexistent/bpe.txt.gz'),
    (error: unknown) => isDiffPromptError(error, 'ERR_DATA'),
  );
  assert.throws(
    () => new ClipBpeTokenizer('#version: 0.2\ni n\n'),
    (error: unknown) => isDiffPromptError(error, 'ERR_DATA') && /48894/.test((error as Error).message),
  );
});

test.run();
