// Samples → a folder in MDETR's COCO-style referring format, which readMdetrCoco and other
// tools (MDETR, GLIP, pycocotools) read:
//   DIR/images/<image id>.png          one file per distinct image (pixels encoded as PNG; image
//                                      files copied as they are)
//   DIR/annotations.json               { info, images[], annotations[], categories[] }
// As MDETR does, every expression is its own `images[]` record (id, file_name, width, height,
// caption, tokens_positive_eval, dataset_name, original_id = the shared picture's number), so
// several records share a file_name; each has one annotation (bbox [x, y, w, h], area, iscrowd 0,
// category_id, tokens_positive, segmentation as compressed COCO RLE or [] without a mask,
// original_id = the referred object's number).
import fs from 'node:fs';
import path from 'node:path';
import { DiffPromptError } from '../../errors';
import { encodePng } from '../images/encode-png';
import { compressRle, encodeRle, type CompressedRle } from '../masks/coco-rle';
import { maskArea } from '../masks/mask-geometry';
import type { Box, CharSpan, ReferringSample } from '../sample';

export interface MdetrCocoWriteOptions {
  /** `dataset_name` of every record (MDETR: "refcoco", "refcoco+", ...); default "diff-prompt". */
  datasetName?: string;
  /** Category names in id order (ids from 1), so ids stay the same across datasets; others are added after them as met. */
  categories?: readonly string[];
  /** Written as the file's `info` (e.g. how the data was made). */
  info?: Record<string, unknown>;
}

export interface MdetrCocoWriteResult {
  /** The annotations file. */
  file: string;
  imagesDir: string;
  /** Expressions written (images[] records, one annotation each). */
  samples: number;
  /** Distinct image files written. */
  images: number;
}

interface ImageRecord {
  id: number;
  file_name: string;
  width: number;
  height: number;
  caption: string;
  dataset_name: string;
  original_id: number;
  tokens_positive_eval?: CharSpan[][];
}

interface AnnotationRecord {
  id: number;
  image_id: number;
  bbox: Box;
  area: number;
  iscrowd: 0;
  category_id?: number;
  tokens_positive?: CharSpan[];
  segmentation: CompressedRle | [];
  original_id: number;
}

/** Image files written at once: sharp encodes on its own threads, so a few in flight keep them busy. */
const WRITES_IN_FLIGHT = 8;

/** A file name from an image id: characters other than letters, digits, '.', '_', '-' become '_'. */
function safeName(imageId: string): string {
  return imageId.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Numbers for strings in order of first use, from `first`. */
class Numbering {
  private readonly numbers = new Map<string, number>();
  constructor(private readonly first: number) {}
  of(key: string): { number: number; isNew: boolean } {
    const known = this.numbers.get(key);
    if (known !== undefined) return { number: known, isNew: false };
    const number = this.first + this.numbers.size;
    this.numbers.set(key, number);
    return { number, isNew: true };
  }
  entries(): [string, number][] {
    return [...this.numbers];
  }
}

/** Writes the samples (any iterable: a generator keeps memory flat) into `dir`, creating it. */
export async function writeMdetrCoco(samples: Iterable<ReferringSample>, dir: string, options: MdetrCocoWriteOptions = {}): Promise<MdetrCocoWriteResult> {
  const imagesDir = path.join(dir, 'images');
  fs.mkdirSync(imagesDir, { recursive: true });
  const datasetName = options.datasetName ?? 'diff-prompt';
  const pictures = new Numbering(0);
  const objects = new Numbering(0);
  const categories = new Numbering(1);
  for (const name of options.categories ?? []) categories.of(name);
  const fileNames = new Map<number, string>();
  const usedNames = new Set<string>();
  const images: ImageRecord[] = [];
  const annotations: AnnotationRecord[] = [];
  const writes = new Set<Promise<void>>();

  const writeImage = async (sample: ReferringSample, file: string): Promise<void> => {
    if (sample.image.kind === 'pixels') {
      await fs.promises.writeFile(file, await encodePng(sample.image.image));
    } else {
      await fs.promises.copyFile(sample.image.path, file);
    }
  };

  for (const sample of samples) {
    const picture = pictures.of(sample.imageId);
    if (picture.isNew) {
      const extension = sample.image.kind === 'pixels' ? '.png' : path.extname(sample.image.path);
      let name = `${safeName(sample.imageId)}${extension}`;
      if (usedNames.has(name)) name = `${safeName(sample.imageId)}-${picture.number}${extension}`;
      usedNames.add(name);
      fileNames.set(picture.number, name);
      const write = writeImage(sample, path.join(imagesDir, name)).catch((error: unknown) => {
        throw new DiffPromptError('ERR_DATA', `cannot write the image of sample ${sample.id} to ${imagesDir}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      });
      writes.add(write);
      void write.finally(() => writes.delete(write)).catch(() => undefined);
      if (writes.size >= WRITES_IN_FLIGHT) await Promise.race(writes);
    }
    const id = images.length;
    const mask = sample.mask;
    const spans = sample.tokensPositive?.map(([start, end]): CharSpan => [start, end]);
    images.push({
      id,
      file_name: fileNames.get(picture.number)!,
      width: sample.width,
      height: sample.height,
      caption: sample.expression,
      dataset_name: datasetName,
      original_id: picture.number,
      ...(spans ? { tokens_positive_eval: [spans] } : {}),
    });
    annotations.push({
      id,
      image_id: id,
      bbox: [...sample.box],
      area: mask ? maskArea(mask) : sample.box[2] * sample.box[3],
      iscrowd: 0,
      ...(sample.category === undefined ? {} : { category_id: categories.of(sample.category).number }),
      ...(spans ? { tokens_positive: spans } : {}),
      segmentation: mask ? compressRle(encodeRle(mask)) : [],
      original_id: objects.of(sample.objectId ?? `${sample.imageId}#${sample.id}`).number,
    });
  }
  await Promise.all(writes);

  const file = path.join(dir, 'annotations.json');
  const document = {
    info: options.info ?? {},
    images,
    annotations,
    categories: categories.entries().map(([name, id]) => ({ id, name })),
  };
  fs.writeFileSync(file, JSON.stringify(document));
  return { file, imagesDir, samples: images.length, images: fileNames.size };
}
