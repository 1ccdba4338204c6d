// SeqTR's preprocessed instances.json (the file the reference trains its Mask-VAE and generator
// on): {train: [...], val: [...], testA: [...], testB: [...]} (RefCOCOg has test instead of
// testA/testB), one entry per referred object: `image_id` (COCO train2014), `bbox` [x,y,w,h],
// `expressions` [str...], `mask` (COCO polygons), `height`, `width`, `category_id`. One sample
// per expression, as the reference expands them; images are COCO_train2014_<12 digits>.jpg.
import { z } from 'zod';
import { segmentationProblem, segmentationToMask } from '../masks/coco-segmentation';
import type { ReferringSample, Split } from '../sample';
import { CocoImageFolder } from './coco-image-folder';
import { defineLazyMask } from './lazy-mask';
import { readJsonFile } from './read-json-file';
import { ReadContext, type ReaderOptions, type ReferringReadResult } from './read-context';
import { boxProblem, expressionProblem, schemaProblem } from './record-checks';

export interface SeqtrInstancesOptions extends ReaderOptions {
  imagesDir: string;
  /** Splits to read (default: all the file has); one the file lacks is an ERR_DATA. */
  splits?: Split[];
  /** COCO category names by id (e.g. from a COCO instances file); without them `category` is the id. */
  categoryNames?: ReadonlyMap<number, string>;
}

const objectSchema = z.object({
  image_id: z.number().int(),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  expressions: z.array(z.string()),
  mask: z.array(z.array(z.number())),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  category_id: z.number().int(),
});

/** `json`: the file's contents when the caller has already parsed them (read from `file` otherwise). */
export function readSeqtrInstances(file: string, options: SeqtrInstancesOptions, json: unknown = readJsonFile(file)): ReferringReadResult {
  const context = new ReadContext(file, options, CocoImageFolder.open(options.imagesDir));
  const top = z.record(z.string(), z.array(z.unknown())).safeParse(json);
  if (!top.success) throw context.fileError('expected an object of splits, {train: [...], val: [...], ...}, each an array of objects');
  const available = Object.keys(top.data);
  const splits = options.splits ?? available;
  for (const split of splits) {
    if (!available.includes(split)) throw context.fileError(`has no split "${split}"; it has ${available.join(', ')}. Ask for one of those`);
  }

  const samples: ReferringSample[] = [];
  for (const split of splits) {
    top.data[split]!.forEach((raw, index) => {
      const parsed = objectSchema.safeParse(raw);
      if (!parsed.success) return context.bad(index, `${split}[${index}]`, schemaProblem(parsed.error));
      const object = parsed.data;
      const id = `${split}[${index}] image ${object.image_id}`;
      const size = { width: object.width, height: object.height };
      const problem = boxProblem(object.bbox, object.width, object.height) ?? (object.expressions.length === 0 ? 'the object has no expression' : undefined) ?? segmentationProblem(object.mask, size);
      if (problem) return context.bad(index, id, problem);
      const category = options.categoryNames?.get(object.category_id) ?? String(object.category_id);
      object.expressions.forEach((expression, k) => {
        const emptiness = expressionProblem(expression);
        if (emptiness) return context.bad(index, `${id} expression ${k}`, emptiness);
        const imagePath = context.imagePath(index, id, object.image_id);
        if (imagePath === undefined) return;
        const sample: ReferringSample = {
          id: `${split}/${index}/${k}`,
          imageId: String(object.image_id),
          image: { kind: 'file', path: imagePath },
          width: object.width,
          height: object.height,
          expression,
          box: [...object.bbox],
          split,
          objectId: `${split}/${index}`,
          category,
        };
        samples.push(defineLazyMask(sample, () => segmentationToMask(object.mask, size)));
      });
    });
  }
  return { samples, ...context.report() };
}
