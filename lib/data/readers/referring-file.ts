// Any referring-expression file the readers know, told apart by its shape: a JSON array is the
// UNC/UMD evaluation format (refcoco_val.json), an object with images and annotations is MDETR's
// COCO style (finetune_refcoco_val.json), an object of splits is SeqTR's instances.json.
import type { Split } from '../sample';
import { readJsonFile } from './read-json-file';
import type { ReaderOptions, ReferringReadResult } from './read-context';
import { readMdetrCoco } from './mdetr-coco';
import { readRefcocoEval } from './refcoco-eval';
import { readSeqtrInstances } from './seqtr-instances';
import { DiffPromptError } from '../../errors';

export interface ReferringFileOptions extends ReaderOptions {
  imagesDir: string;
  /** SeqTR files hold several splits: which one (default val). */
  split?: Split;
}

export type ReferringFormat = 'refcoco-eval' | 'mdetr' | 'seqtr';

export function referringFormat(json: unknown, file: string): ReferringFormat {
  if (Array.isArray(json)) return 'refcoco-eval';
  if (json && typeof json === 'object') return 'images' in json && 'annotations' in json ? 'mdetr' : 'seqtr';
  throw new DiffPromptError('ERR_DATA', `${file} is not a referring-expression file: expected a JSON array (RefCOCO eval) or object (MDETR, SeqTR)`);
}

export function readReferringFile(file: string, options: ReferringFileOptions): ReferringReadResult & { format: ReferringFormat } {
  const json = readJsonFile(file); // parsed once, then handed to the reader of its format
  const format = referringFormat(json, file);
  if (format === 'refcoco-eval') return { format, ...readRefcocoEval(file, options, json) };
  if (format === 'mdetr') return { format, ...readMdetrCoco(file, options, json) };
  return { format, ...readSeqtrInstances(file, { ...options, splits: [options.split ?? 'val'] }, json) };
}
