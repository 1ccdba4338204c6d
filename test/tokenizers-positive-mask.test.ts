// Positive-token masks: tokens whose character spans overlap the referent's phrase spans.
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BertWordPieceTokenizer } from '../lib/data/tokenizers/bert-wordpiece-tokenizer';
import { ClipBpeTokenizer } from '../lib/data/tokenizers/clip-bpe-tokenizer';
import { positiveTokenMask } from '../lib/data/tokenizers/positive-token-mask';
import { WordLevelTokenizer } from '../lib/data/tokenizers/word-level-tokenizer';
import { realDataTest } from './support/real-data';

const test = suite('tokenizers: positive token mask');

test('overlap decides; special tokens and padding are never positive', () => {
  const offsets: [number, number][] = [
    [0, 0],
    [0, 3],
    [4, 8],
    [9, 11],
    [0, 0],
    [0, 0],
  ];
  assert.equal([...positiveTokenMask(offsets, [[4, 8]])], [0, 0, 1, 0, 0, 0]);
  assert.equal([...positiveTokenMask(offsets, [[2, 5]])], [0, 1, 1, 0, 0, 0]);
  assert.equal(
    [
      ...positiveTokenMask(offsets, [
        [0, 3],
        [9, 11],
      ]),
    ],
    [0, 1, 0, 1, 0, 0],
  );
  assert.equal([...positiveTokenMask(offsets, [[3, 4]])], [0, 0, 0, 0, 0, 0], 'a span on the space between words touches no token');
});

test('word level: the head phrase of a generated expression', () => {
  const tokenizer = WordLevelTokenizer.fromWords(['the', 'small', 'red', 'cube', 'left', 'of', 'sphere']);
  const text = 'the small red cube left of the sphere';
  const result = tokenizer.encode(text, { pad: false });
  const mask = positiveTokenMask(result.offsets, [[0, 18]]);
  assert.equal(
    result.tokens.filter((_, i) => mask[i]),
    ['the', 'small', 'red', 'cube'],
  );
});

realDataTest(test, "BERT and CLIP pick the same word for RefCOCOg's 'wing' span, WordPiece pieces included", (dir) => {
  const bert = BertWordPieceTokenizer.fromVocabFile(path.join(dir, 'vocab', 'bert-base-uncased-vocab.txt'));
  const clip = ClipBpeTokenizer.fromVocabFile(path.join(dir, 'vocab', 'bpe_simple_vocab_16e6.txt.gz'));
  const text = 'the wing of an airplane over a bus';
  for (const tokenizer of [bert, clip]) {
    const result = tokenizer.encode(text);
    const mask = positiveTokenMask(result.offsets, [[4, 8]]);
    assert.is(mask.length, result.ids.length);
    assert.equal(
      result.tokens.filter((_, i) => mask[i]).map((token) => token.replace('</w>', '')),
      ['wing'],
    );
  }
  const pieces = bert.encode('an unaffable cat', { pad: false });
  assert.equal(
    pieces.tokens.filter((_, i) => positiveTokenMask(pieces.offsets, [[3, 12]])[i]),
    ['una', '##ffa', '##ble'],
  );
});

test.run();
