// A batch: what one native training or evaluation step reads, as flat typed arrays (row-major,
// the shapes below) plus the per-sample facts needed to map predictions back to the images.
import type { ModelFrameTransform } from '../images/model-frame';
import type { ExpressionFamily } from '../sample';

/** One encoder's tokens for the batch: L is the same for every sample (padded to maxLength). */
export interface BatchTokens {
  /** L, the tokens per expression. */
  length: number;
  ids: Int32Array; // B×L
  attentionMask: Uint8Array; // B×L, 1 for real tokens (specials included), 0 for padding
  /** 1 where the token belongs to the referent's phrase (tokens_positive); a box's score is the mean over these. */
  positive: Uint8Array; // B×L
}

export interface Batch {
  /** B: samples in this batch (the last batch of an epoch, or one with skipped samples, may be smaller). */
  count: number;
  /** The model frame, H×W pixels. */
  size: { height: number; width: number };
  images: Float32Array; // B×3×H×W, RGB, normalised as the batch options say
  masks: Float32Array; // B×1×H×W, the referred object's soft mask in [0,1]; zeros where hasMask is 0
  hasMask: Uint8Array; // B, 1 when the sample carries a mask
  /** Boxes in model-frame pixels as [x0, y0, x1, y1] (corners, not COCO's [x, y, w, h]). */
  boxes: Float32Array; // B×4
  /** The same boxes in the pixels of each original image, [x0, y0, x1, y1], in double precision. */
  imageBoxes: Float64Array; // B×4
  /** Image frame → model frame, per sample: toImageBox(prediction, transforms[i]) maps a prediction back. */
  transforms: ModelFrameTransform[];
  /** One token set per encoder that needs one, keyed by the encoder's name in the batch options. */
  tokens: Record<string, BatchTokens>;
  family: (ExpressionFamily | null)[]; // B, null for data without families (RefCOCO)
  ids: string[]; // B sample ids
  expressions: string[]; // B
}
