// The generated world's word-level tokenizer: built from words, saved and loaded as vocab.txt,
// with BERT's output shape.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import { tempDir } from './support/temp-dir';
import * as assert from 'uvu/assert';
import { isDiffPromptError } from '../lib/errors';
import { WordLevelTokenizer } from '../lib/data/tokenizers/word-level-tokenizer';

const test = suite('tokenizers: word level');
const temporary = tempDir('diff-prompt-words-');

test('the vocabulary is the special tokens, then the words normalised and split as text will be', () => {
  const tokenizer = WordLevelTokenizer.fromWords(['red', 'Cube', 'left of', "sphere's", 'red']);
  assert.equal(tokenizer.vocabulary, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'red', 'cube', 'left', 'of', 'sphere', "'", 's']);
  assert.is(tokenizer.vocabSize, 11);
});

test('encode: [CLS] words [SEP] [PAD]..., unknown words [UNK], offsets into the original text', () => {
  const tokenizer = WordLevelTokenizer.fromWords(['red', 'cube', 'left', 'of', 'the']);
  const text = 'The RED cube, left of it';
  const result = tokenizer.encode(text);
  assert.is(result.ids.length, 32);
  assert.equal(result.tokens.slice(0, 9), ['[CLS]', 'the', 'red', 'cube', '[UNK]', 'left', 'of', '[UNK]', '[SEP]']);
  assert.equal([...result.ids.subarray(0, 10)], [2, 8, 4, 5, 1, 6, 7, 1, 3, 0]);
  assert.equal([...result.attentionMask.subarray(0, 10)], [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  assert.equal(result.offsets.slice(0, 9), [
    [0, 0],
    [0, 3],
    [4, 7],
    [8, 12],
    [12, 13],
    [14, 18],
    [19, 21],
    [22, 24],
    [0, 0],
  ]);
  assert.is(tokenizer.encode(text, { pad: false }).ids.length, 9);
});

test('save writes one token per line; load reads the same tokenizer back', () => {
  const tokenizer = WordLevelTokenizer.fromWords(['red', 'cube']);
  const file = path.join(temporary, 'vocab.txt');
  tokenizer.save(file);
  assert.is(fs.readFileSync(file, 'utf8'), '[PAD]\n[UNK]\n[CLS]\n[SEP]\nred\ncube\n');
  const loaded = WordLevelTokenizer.load(file);
  assert.equal(loaded.vocabulary, tokenizer.vocabulary);
  assert.equal(loaded.encode('red cube'), tokenizer.encode('red cube'));
});

test('a vocab.txt that is missing, or not of this tokenizer, is ERR_DATA', () => {
  const notOurs = path.join(temporary, 'bert-like.txt');
  fs.writeFileSync(notOurs, '[PAD]\n[unused0]\n[CLS]\n[SEP]\nred\n');
  assert.throws(
    () => WordLevelTokenizer.load(notOurs),
    (error: unknown) => isDiffPromptError(error, 'ERR_DATA') && /not a word-level vocabulary/.test((error as Error).message),
  );
  const twice = path.join(temporary, 'twice.txt');
  fs.writeFileSync(twice, '[PAD]\n[UNK]\n[CLS]\n[SEP]\nred\nred\n');
  assert.throws(
    () => WordLevelTokenizer.load(twice),
    (error: unknown) => isDiffPromptError(error, 'ERR_DATA') && /twice/.test((error as Error).message),
  );
  assert.throws(
    () => WordLevelTokenizer.load(path.join(temporary, 'absent.txt')),
    (error: unknown) => isDiffPromptError(error, 'ERR_DATA') && /not found/.test((error as Error).message),
  );
});

test.after(() => fs.rmSync(temporary, { recursive: true, force: true }));

test.run();
