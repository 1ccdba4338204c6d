// The one sample type every data source returns: the generated world, RefCOCO (UNC/UMD eval
// JSON, SeqTR instances, MDETR COCO-style) and COCO instances. Stages read only this.

/** [x, y, w, h] in the pixels of the image it belongs to (COCO convention). */
export type Box = [number, number, number, number];

/** A character span [start, end) of an expression (MDETR's `tokens_positive`). */
export type CharSpan = [number, number];

/** RGB pixels, row-major H×W×3, 0..255. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array; // length width*height*3
}

/** A binary mask, row-major H×W, values 0 or 1, in the frame of its image. */
export interface BinaryMask {
  width: number;
  height: number;
  data: Uint8Array; // length width*height
}

/** Pixels in memory (generated scenes) or a file to decode (real data). */
export type ImageSource = { kind: 'pixels'; image: RgbImage } | { kind: 'file'; path: string };

export type Split = 'train' | 'val' | 'testA' | 'testB' | (string & {});

/** `source`: attribute-only expressions (foundation pretraining); `target`: relations, ordinals, superlatives. */
export type ExpressionFamily = 'source' | 'target';

export interface ReferringSample {
  /** Unique within its dataset; also seeds per-sample randomness (e.g. DDIM noise at evaluation). */
  id: string;
  imageId: string;
  image: ImageSource;
  /** Size of the original image, in pixels; boxes and masks are in this frame. */
  width: number;
  height: number;
  expression: string;
  box: Box;
  mask?: BinaryMask;
  tokensPositive?: CharSpan[];
  family?: ExpressionFamily;
  split?: Split;
  /** The referred object: samples that share it are several expressions for one object. */
  objectId?: string;
  category?: string;
}
