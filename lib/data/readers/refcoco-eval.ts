// The UNC/UMD RefCOCO, RefCOCO+ and RefCOCOg evaluation JSON (as MiniGPT-4's eval_data ships
// them): an array of {img_id: "COCO_train2014_000000580957_4", sents, bbox: [x,y,w,h], height,
// width}. `sents` is one expression (a string) in these files, or a list of them in others; each
// expression becomes one sample. The COCO image id is img_id's third "_" field; the fourth names
// the object: the COCO annotation id in RefCOCOg, an object index within the image in RefCOCO and
// RefCOCO+. No masks, no token spans.
import { z } from 'zod';
import type { ReferringSample, Split } from '../sample';
import { CocoImageFolder } from './coco-image-folder';
import { readJsonFile } from './read-json-file';
import { ReadContext, type ReaderOptions, type ReferringReadResult } from './read-context';
import { boxProblem, expressionProblem, schemaProblem } from './record-checks';
import { splitFromFileName } from './split-from-file-name';

export interface RefcocoEvalOptions extends ReaderOptions {
  /** Folder of COCO train2014 images (either naming). */
  imagesDir: string;
  /** Default: from the file name (refcoco_val.json → val). */
  split?: Split;
}

const recordSchema = z.object({
  img_id: z.string(),
  sents: z.union([z.string(), z.array(z.string())]),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
});

const IMG_ID = /^COCO_[a-z]+\d{4}_(\d+)_(\d+)$/;

/** `json`: the file's contents when the caller has already parsed them (read from `file` otherwise). */
export function readRefcocoEval(file: string, options: RefcocoEvalOptions, json: unknown = readJsonFile(file)): ReferringReadResult {
  const context = new ReadContext(file, options, CocoImageFolder.open(options.imagesDir));
  if (!Array.isArray(json)) throw context.fileError('expected a JSON array of {img_id, sents, bbox, height, width} records');
  const split = options.split ?? splitFromFileName(file);
  const samples: ReferringSample[] = [];
  const expressionsPerObject = new Map<string, number>();

  json.forEach((raw: unknown, index) => {
    const parsed = recordSchema.safeParse(raw);
    if (!parsed.success) return context.bad(index, undefined, schemaProblem(parsed.error));
    const record = parsed.data;
    const match = IMG_ID.exec(record.img_id);
    if (!match) return context.bad(index, record.img_id, `img_id "${record.img_id}" is not COCO_<set>_<image id>_<object>`);
    const problem = boxProblem(record.bbox, record.width, record.height);
    if (problem) return context.bad(index, record.img_id, problem);
    const imageId = Number(match[1]);
    const sentences = typeof record.sents === 'string' ? [record.sents] : record.sents;
    if (sentences.length === 0) return context.bad(index, record.img_id, 'the record has no expression');

    for (const expression of sentences) {
      const emptiness = expressionProblem(expression);
      if (emptiness) {
        context.bad(index, record.img_id, emptiness);
        continue;
      }
      const imagePath = context.imagePath(index, record.img_id, imageId);
      if (imagePath === undefined) continue;
      const ordinal = expressionsPerObject.get(record.img_id) ?? 0;
      expressionsPerObject.set(record.img_id, ordinal + 1);
      samples.push({
        id: `${record.img_id}#${ordinal}`,
        imageId: String(imageId),
        image: { kind: 'file', path: imagePath },
        width: record.width,
        height: record.height,
        expression,
        box: [...record.bbox],
        ...(split === undefined ? {} : { split }),
        objectId: `${imageId}_${match[2]}`,
      });
    }
  });
  return { samples, ...context.report() };
}
