// COCO `instances_*.json`: images, annotations (polygons, or RLE for crowds, compressed or not)
// and categories. There are no expressions: this feeds the Mask-VAE with real object masks.
// One CocoInstance per annotation; its mask is decoded when read (see lazy-mask.ts).
import { z } from 'zod';
import { cocoSegmentationSchema, segmentationProblem, segmentationToMask } from '../masks/coco-segmentation';
import type { BinaryMask, Box } from '../sample';
import { CocoImageFolder } from './coco-image-folder';
import { defineLazyMask } from './lazy-mask';
import { readJsonFile } from './read-json-file';
import { ReadContext, type ReadReport, type ReaderOptions } from './read-context';
import { boxProblem, schemaProblem } from './record-checks';

export interface CocoInstance {
  /** The COCO annotation id. */
  id: number;
  imageId: number;
  fileName: string;
  /** Only when the reader was given an images folder. */
  imagePath?: string;
  width: number;
  height: number;
  box: Box;
  /** Binary mask in the image frame, H×W. */
  mask: BinaryMask;
  /** COCO's own `area` (for polygons the polygon's area, not its pixel count). */
  area: number;
  iscrowd: boolean;
  categoryId: number;
  category: string;
}

export interface CocoInstancesOptions extends ReaderOptions {
  /** When given, each instance gets `imagePath`, and missing images follow onMissingImage. */
  imagesDir?: string;
}

export interface CocoInstancesReadResult extends ReadReport {
  instances: CocoInstance[];
  /** Category names by id. */
  categories: Map<number, string>;
}

const fileSchema = z.object({
  images: z.array(z.unknown()),
  annotations: z.array(z.unknown()),
  categories: z.array(z.object({ id: z.number().int(), name: z.string() })),
});

const imageSchema = z.object({
  id: z.number().int(),
  file_name: z.string(),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
});

const annotationSchema = z.object({
  id: z.number().int(),
  image_id: z.number().int(),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  segmentation: cocoSegmentationSchema,
  area: z.number().nonnegative(),
  iscrowd: z.union([z.literal(0), z.literal(1)]),
  category_id: z.number().int(),
});

export function readCocoInstances(file: string, options: CocoInstancesOptions = {}): CocoInstancesReadResult {
  const json = readJsonFile(file);
  const folder = options.imagesDir === undefined ? undefined : CocoImageFolder.open(options.imagesDir);
  const context = new ReadContext(file, options, folder);
  const top = fileSchema.safeParse(json);
  if (!top.success) throw context.fileError(`not a COCO instances file (${schemaProblem(top.error)}); expected {images, annotations, categories}`);
  const categories = new Map(top.data.categories.map((category) => [category.id, category.name]));
  const images = new Map<number, z.infer<typeof imageSchema>>();
  top.data.images.forEach((raw, index) => {
    const parsed = imageSchema.safeParse(raw);
    if (!parsed.success) return context.bad(index, undefined, `images[${index}]: ${schemaProblem(parsed.error)}`);
    images.set(parsed.data.id, parsed.data);
  });

  const instances: CocoInstance[] = [];
  top.data.annotations.forEach((raw, index) => {
    const parsed = annotationSchema.safeParse(raw);
    if (!parsed.success) return context.bad(index, undefined, `annotations[${index}]: ${schemaProblem(parsed.error)}`);
    const annotation = parsed.data;
    const id = `annotation ${annotation.id}`;
    const image = images.get(annotation.image_id);
    if (!image) return context.bad(index, id, `its image_id ${annotation.image_id} is not among the file's images`);
    const category = categories.get(annotation.category_id);
    if (category === undefined) return context.bad(index, id, `its category_id ${annotation.category_id} is not among the file's categories`);
    const problem = boxProblem(annotation.bbox, image.width, image.height) ?? segmentationProblem(annotation.segmentation, image);
    if (problem) return context.bad(index, id, problem);
    let imagePath: string | undefined;
    if (folder) {
      imagePath = context.imagePath(index, id, image.id, image.file_name);
      if (imagePath === undefined) return;
    }
    const instance = {
      id: annotation.id,
      imageId: image.id,
      fileName: image.file_name,
      ...(imagePath === undefined ? {} : { imagePath }),
      width: image.width,
      height: image.height,
      box: [...annotation.bbox] as Box,
      area: annotation.area,
      iscrowd: annotation.iscrowd === 1,
      categoryId: annotation.category_id,
      category,
    };
    instances.push(defineLazyMask(instance, () => segmentationToMask(annotation.segmentation, image)));
  });
  return { instances, categories, ...context.report() };
}
