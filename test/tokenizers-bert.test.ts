// BERT WordPiece against the real bert-base-uncased vocabulary: ids are checked against the
// line numbers of the vocab file itself (line n holds id n−1).
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isDiffPromptError } from '../lib/errors';
import { BertWordPieceTokenizer } from '../lib/data/tokenizers/bert-wordpiece-tokenizer';
import { realDataTest } from './support/real-data';

const test = suite('tokenizers: BERT WordPiece');

function load(dir: string): { bert: BertWordPieceTokenizer; idOf: (token: string) => number; lines: string[] } {
  const file = path.join(dir, 'vocab', 'bert-base-uncased-vocab.txt');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const idOf = (token: string): number => {
    const id = lines.indexOf(token);
    assert.ok(id >= 0, `${token} is in the vocab file`);
    return id;
  };
  return { bert: BertWordPieceTokenizer.fromVocabFile(file), idOf, lines };
}

/** The original text under each token's offsets. */
function covered(text: string, offsets: [number, number][]): string[] {
  const chars = [...text];
  return offsets.map(([start, end]) => chars.slice(start, end).join(''));
}

realDataTest(test, '"a photo of a cat" → 101 1037 6302 1997 1037 4937 102, padded to 256 with [PAD] 0', (dir) => {
  const { bert, idOf } = load(dir);
  assert.is(bert.vocabSize, 30522);
  const ids = [101, 1037, 6302, 1997, 1037, 4937, 102];
  assert.equal(ids, ['[CLS]', 'a', 'photo', 'of', 'a', 'cat', '[SEP]'].map(idOf));
  const padded = bert.encode('a photo of a cat');
  assert.is(padded.ids.length, 256);
  assert.equal([...padded.ids.subarray(0, 7)], ids);
  assert.ok(padded.ids.subarray(7).every((id) => id === 0));
  assert.is(
    padded.attentionMask.reduce((a, b) => a + b, 0),
    7,
  );
  assert.equal(padded.offsets.slice(0, 8), [
    [0, 0],
    [0, 1],
    [2, 7],
    [8, 10],
    [11, 12],
    [13, 16],
    [0, 0],
    [0, 0],
  ]);
});

realDataTest(test, 'lower case, accents stripped, punctuation split; offsets point into the original text', (dir) => {
  const { bert, idOf } = load(dir);
  const text = 'Héllo,  WORLD!!\tCafé';
  const result = bert.encode(text, { pad: false });
  assert.equal(result.tokens, ['[CLS]', 'hello', ',', 'world', '!', '!', 'cafe', '[SEP]']);
  assert.equal([...result.ids], result.tokens.map(idOf));
  assert.equal(covered(text, result.offsets), ['', 'Héllo', ',', 'WORLD', '!', '!', 'Café', '']);
});

realDataTest(test, 'WordPiece is greedy longest-match-first with ## continuations', (dir) => {
  const { bert, idOf } = load(dir);
  const result = bert.encode('unaffable', { pad: false });
  assert.equal(result.tokens, ['[CLS]', 'una', '##ffa', '##ble', '[SEP]']);
  assert.equal([...result.ids], [101, 14477, 20961, 3468, 102]);
  assert.equal([...result.ids], result.tokens.map(idOf));
  // Greedy: no longer prefix of "unaffable" than "una" is in the vocabulary.
  const vocab = new Set(load(dir).lines);
  for (let end = 4; end <= 9; end++) assert.not.ok(vocab.has('unaffable'.slice(0, end)));
  assert.equal(covered('unaffable', result.offsets), ['', 'una', 'ffa', 'ble', '']);
});

realDataTest(test, 'CJK ideographs are single tokens; control characters vanish; unknown and over-long words are [UNK]', (dir) => {
  const { bert, idOf } = load(dir);
  const cjk = bert.encode('一上', { pad: false });
  assert.equal(cjk.tokens, ['[CLS]', '一', '上', '[SEP]']);
  assert.equal([...cjk.ids], [101, idOf('一'), idOf('上'), 102]);
  assert.equal(bert.encode('cat\u0000\u200b\u00ad dog', { pad: false }).tokens, ['[CLS]', 'cat', 'dog', '[SEP]']);
  const long = `a ${'b'.repeat(101)} c`;
  const result = bert.encode(long, { pad: false });
  assert.equal(result.tokens, ['[CLS]', 'a', '[UNK]', 'c', '[SEP]']);
  assert.equal(result.offsets[2], [2, 103]);
  const emoji = bert.encode('cat 😀', { pad: false });
  assert.equal(emoji.tokens, ['[CLS]', 'cat', '[UNK]', '[SEP]']);
  assert.equal(emoji.offsets[2], [4, 5], 'offsets count code points, as Python');
});

realDataTest(test, 'truncation keeps [SEP] last; truncate: false makes a long text ERR_DATA', (dir) => {
  const { bert } = load(dir);
  const cut = bert.encode('a photo of a cat', { maxLength: 5 });
  assert.equal(cut.tokens, ['[CLS]', 'a', 'photo', 'of', '[SEP]']);
  assert.equal([...cut.attentionMask], [1, 1, 1, 1, 1]);
  assert.throws(
    () => bert.encode('a photo of a cat', { maxLength: 5, truncate: false }),
    (error: unknown) => isDiffPromptError(error, 'ERR_DATA'),
  );
  assert.throws(
    () => bert.encode('cat', { maxLength: 1 }),
    (error: unknown) => isDiffPromptError(error, 'ERR_CONFIG'),
  );
});

test('a missing vocabulary file, or one without BERT special tokens, is ERR_DATA', () => {
  assert.throws(
    () => BertWordPieceTokenizer.fromVocabFile('/nonexistent/vocab.txt'),
    (error: unknown) => isDiffPromptError(error, 'ERR_DATA') && /not found/.test((error as Error).message),
  );
  assert.throws(
    () => new BertWordPieceTokenizer(['[PAD]', 'a', 'b']),
    (error: unknown) => isDiffPromptError(error, 'ERR_DATA') && /\[CLS\]/.test((error as Error).message),
  );
});

test.run();
