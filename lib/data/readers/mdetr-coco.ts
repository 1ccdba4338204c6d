// MDETR's COCO-style referring files (finetune_refcoco_val.json, final_flickr_separateGT_*.json):
// `images[]` carry the expression (`caption`, `file_name`, `height`, `width`, `id`, `original_id`
// = COCO image id), `annotations[]` the referred boxes (`bbox`, `image_id`, `tokens_positive` =
// character spans of the referent's phrase, optional `segmentation`, `category_id`,
// `original_id` = COCO annotation id). One sample per annotation: RefCOCO has exactly one per
// image entry; Flickr30k one per grounded phrase, each with the same caption.
// (`tokens_positive_eval` on images repeats the phrase spans for Flickr evaluation; the samples
// take them from their annotations.)
import { z } from 'zod';
import { cocoSegmentationSchema, segmentationProblem, segmentationToMask, type CocoSegmentation } from '../masks/coco-segmentation';
import type { CharSpan, ReferringSample, Split } from '../sample';
import { CocoImageFolder } from './coco-image-folder';
import { defineLazyMask } from './lazy-mask';
import { readJsonFile } from './read-json-file';
import { ReadContext, type ReaderOptions, type ReferringReadResult } from './read-context';
import { boxProblem, expressionProblem, schemaProblem, spansProblem } from './record-checks';
import { splitFromFileName } from './split-from-file-name';

export interface MdetrCocoOptions extends ReaderOptions {
  imagesDir: string;
  /** Default: from the file name (finetune_refcoco_testA.json → testA). */
  split?: Split;
}

const fileSchema = z.object({
  images: z.array(z.unknown()),
  annotations: z.array(z.unknown()),
  categories: z.array(z.object({ id: z.number(), name: z.string() })).optional(),
});

const imageSchema = z.object({
  id: z.number().int(),
  file_name: z.string(),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  caption: z.string(),
  original_id: z.number().int().optional(),
});

const annotationSchema = z.object({
  id: z.number().int(),
  image_id: z.number().int(),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  tokens_positive: z.array(z.array(z.number())).optional(),
  segmentation: cocoSegmentationSchema.optional(),
  category_id: z.number().int().optional(),
  original_id: z.number().int().optional(),
});

/** `json`: the file's contents when the caller has already parsed them (read from `file` otherwise). */
export function readMdetrCoco(file: string, options: MdetrCocoOptions, json: unknown = readJsonFile(file)): ReferringReadResult {
  const context = new ReadContext(file, options, CocoImageFolder.open(options.imagesDir));
  const top = fileSchema.safeParse(json);
  if (!top.success) throw context.fileError(`not an MDETR COCO-style file (${schemaProblem(top.error)}); expected {images, annotations, categories}`);
  const split = options.split ?? splitFromFileName(file);
  const categories = new Map((top.data.categories ?? []).map((category) => [category.id, category.name]));

  // Images are looked up by id; a bad image entry makes its annotations bad too.
  const images = new Map<number, z.infer<typeof imageSchema>>();
  const annotated = new Set<number>();
  const badImages = new Map<number, string>();
  top.data.images.forEach((raw, index) => {
    const parsed = imageSchema.safeParse(raw);
    if (!parsed.success) return context.bad(index, undefined, `images[${index}]: ${schemaProblem(parsed.error)}`);
    const emptiness = expressionProblem(parsed.data.caption);
    if (emptiness) {
      badImages.set(parsed.data.id, emptiness);
      return context.bad(index, `image ${parsed.data.id}`, emptiness);
    }
    images.set(parsed.data.id, parsed.data);
  });

  const samples: ReferringSample[] = [];
  top.data.annotations.forEach((raw, index) => {
    const parsed = annotationSchema.safeParse(raw);
    if (!parsed.success) return context.bad(index, undefined, `annotations[${index}]: ${schemaProblem(parsed.error)}`);
    const annotation = parsed.data;
    const id = `annotation ${annotation.id}`;
    if (badImages.has(annotation.image_id)) return; // already reported with its image
    const image = images.get(annotation.image_id);
    if (!image) return context.bad(index, id, `its image_id ${annotation.image_id} is not among the file's images`);
    annotated.add(image.id);
    const problem =
      boxProblem(annotation.bbox, image.width, image.height) ??
      (annotation.tokens_positive ? spansProblem(annotation.tokens_positive, image.caption) : undefined) ??
      (hasSegmentation(annotation.segmentation) ? segmentationProblem(annotation.segmentation, image) : undefined);
    if (problem) return context.bad(index, id, problem);
    const cocoImageId = image.original_id ?? image.id;
    const imagePath = context.imagePath(index, id, cocoImageId, image.file_name);
    if (imagePath === undefined) return;
    const category = annotation.category_id === undefined ? undefined : categories.get(annotation.category_id);
    const sample: ReferringSample = {
      id: `${image.id}:${annotation.id}`,
      imageId: String(cocoImageId),
      image: { kind: 'file', path: imagePath },
      width: image.width,
      height: image.height,
      expression: image.caption,
      box: [...annotation.bbox],
      ...(annotation.tokens_positive ? { tokensPositive: annotation.tokens_positive.map((span) => [span[0], span[1]] as CharSpan) } : {}),
      ...(split === undefined ? {} : { split }),
      objectId: String(annotation.original_id ?? annotation.id),
      ...(category === undefined ? {} : { category }),
    };
    const segmentation = annotation.segmentation;
    samples.push(hasSegmentation(segmentation) ? defineLazyMask(sample, () => segmentationToMask(segmentation, image)) : sample);
  });

  // An expression with no referred box cannot be a sample: say so rather than drop it.
  top.data.images.forEach((raw, index) => {
    const id = (raw as { id?: unknown }).id;
    if (typeof id === 'number' && images.has(id) && !annotated.has(id)) context.bad(index, `image ${id}`, 'its expression has no annotation (no referred box)');
  });
  return { samples, ...context.report() };
}

/** MDETR writes `segmentation: []` when it has none. */
function hasSegmentation(segmentation: CocoSegmentation | undefined): segmentation is CocoSegmentation {
  return segmentation !== undefined && !(Array.isArray(segmentation) && segmentation.length === 0);
}
