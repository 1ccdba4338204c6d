// The readers the hostile-files part mutates, each with a good file of its format to start from.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { loadImage } from '../lib/data/images/load-image';
import { encodePng } from '../lib/data/images/encode-png';
import { readCocoInstances } from '../lib/data/readers/coco-instances';
import { readMdetrCoco } from '../lib/data/readers/mdetr-coco';
import { readRefcocoEval } from '../lib/data/readers/refcoco-eval';
import { readSeqtrInstances } from '../lib/data/readers/seqtr-instances';
import { BertWordPieceTokenizer } from '../lib/data/tokenizers/bert-wordpiece-tokenizer';
import { ClipBpeTokenizer } from '../lib/data/tokenizers/clip-bpe-tokenizer';
import { worldSample } from '../lib/data/world';
import { writeMdetrCoco } from '../lib/data/writers/mdetr-coco-writer';
import { readSafetensors } from '../lib/io/safetensors';
import { shippedParts } from '../lib/io/shipped-parts';
import { GroundingModel } from '../lib/models/grounding-model';

export interface Reader {
  /** The good file, written into `dir`; returns its path. */
  seed(dir: string): Promise<string>;
  json: boolean;
  read(file: string, dir: string): Promise<void>;
}

/** OpenAI's own file (the tokenizer needs all its merges), from the tests' real data folder. */
const realClipVocabulary = () => path.join(process.env.DIFF_PROMPT_TEST_DATA ?? path.join(__dirname, '..', '..', 'shared', 'data'), 'vocab', 'bpe_simple_vocab_16e6.txt.gz');

const touchMasks = (samples: ReadonlyArray<{ mask?: unknown }>) => {
  for (const sample of samples) void sample.mask;
};

const worldSamples = (count: number) => Array.from({ length: count }, (_, i) => worldSample({ seed: 5, split: 'val', family: 'both', count, size: 48 }, i));
const square = [[4, 4, 20, 4, 20, 20, 4, 20]];

export const HOSTILE_READERS: Record<string, Reader> = {
  'RefCOCO eval JSON': {
    json: true,
    async seed(dir) {
      const records = worldSamples(6).map((s, i) => ({
        img_id: `COCO_train2014_${String(i + 1).padStart(12, '0')}_${i}`,
        sents: i % 2 ? s.expression : [s.expression, 'the other one'],
        bbox: s.box,
        height: 48,
        width: 48,
      }));
      return writeFile(dir, 'refcoco_val.json', JSON.stringify(records));
    },
    async read(file, dir) {
      touchMasks(readRefcocoEval(file, { imagesDir: path.join(dir, 'images'), onMissingImage: 'skip' }).samples);
    },
  },
  'MDETR COCO JSON': {
    json: true,
    async seed(dir) {
      const written = await writeMdetrCoco(worldSamples(6), path.join(dir, 'mdetr'));
      return written.file;
    },
    async read(file, dir) {
      touchMasks(readMdetrCoco(file, { imagesDir: path.join(dir, 'mdetr', 'images'), onMissingImage: 'skip' }).samples);
    },
  },
  'SeqTR instances JSON': {
    json: true,
    async seed(dir) {
      const object = { image_id: 1, bbox: [4, 4, 16, 16], expressions: ['left square', 'the square'], mask: square, height: 48, width: 48, category_id: 2 };
      return writeFile(dir, 'instances.json', JSON.stringify({ train: [object, { ...object, image_id: 2 }], val: [object] }));
    },
    async read(file, dir) {
      touchMasks(readSeqtrInstances(file, { imagesDir: path.join(dir, 'images'), onMissingImage: 'skip' }).samples);
    },
  },
  'COCO instances JSON': {
    json: true,
    async seed(dir) {
      const images = [1, 2].map((id) => ({ id, file_name: `${id}.png`, width: 48, height: 48 }));
      const annotations = [
        { id: 10, image_id: 1, category_id: 1, bbox: [4, 4, 16, 16], area: 256, iscrowd: 0, segmentation: square },
        { id: 11, image_id: 2, category_id: 1, bbox: [2, 2, 8, 8], area: 64, iscrowd: 1, segmentation: { counts: [100, 20, 28, 20, 2136], size: [48, 48] } },
      ];
      return writeFile(dir, 'instances.json', JSON.stringify({ images, annotations, categories: [{ id: 1, name: 'square' }] }));
    },
    async read(file) {
      const result = readCocoInstances(file);
      for (const instance of result.instances) void instance.mask;
    },
  },
  vocabulary: {
    json: false,
    async seed(dir) {
      return writeFile(dir, 'vocab.txt', ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'red', 'circle', '##s', 'left', 'of', '.'].join('\n'));
    },
    async read(file) {
      BertWordPieceTokenizer.fromVocabFile(file).encode('the red circles left of the square.');
    },
  },
  'CLIP vocabulary (.gz)': {
    json: false,
    async seed(dir) {
      return writeFile(dir, 'bpe_simple_vocab_16e6.txt.gz', fs.readFileSync(realClipVocabulary()));
    },
    async read(file) {
      ClipBpeTokenizer.fromVocabFile(file).encode('the red circle left of the square');
    },
  },
  'CLIP vocabulary (text)': {
    json: false,
    async seed(dir) {
      return writeFile(dir, 'bpe_simple_vocab_16e6.txt', zlib.gunzipSync(fs.readFileSync(realClipVocabulary())));
    },
    async read(file) {
      ClipBpeTokenizer.fromVocabFile(file).encode('the red circle left of the square');
    },
  },
  'model config': {
    json: true,
    async seed(dir) {
      const model = path.join(dir, 'model');
      fs.cpSync(shippedParts().backbone, model, { recursive: true });
      return path.join(model, 'config.json');
    },
    async read(file) {
      const { model } = await GroundingModel.load(path.dirname(file));
      model.dispose();
    },
  },
  image: {
    json: false,
    async seed(dir) {
      return writeFile(dir, 'scene.png', await encodePng(worldSample({ seed: 1, split: 'val', family: 'source', count: 3, size: 64 }, 0).image.image));
    },
    async read(file) {
      await loadImage(file);
    },
  },
  safetensors: {
    json: false,
    async seed(dir) {
      const file = path.join(dir, 'seed.safetensors');
      fs.copyFileSync(path.join(shippedParts().vae, 'model.safetensors'), file);
      return file;
    },
    async read(file) {
      await readSafetensors(file);
    },
  },
};

function writeFile(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}
