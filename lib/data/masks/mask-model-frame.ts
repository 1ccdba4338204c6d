// A referred object's mask into the model frame and back. Into: as the reference, the {0,1} mask
// is scaled to {0,255}, resized bilinearly (PIL semantics, 8 bits) and divided by 255, giving a
// soft mask in [0,1] (H_model×W_model, row-major; zero in letterbox padding). Back: the content
// part of a soft mask (e.g. a decoded prediction) is resized to the image and thresholded.
import { DiffPromptError } from '../../errors';
import { resampleBilinear } from '../images/bilinear-resample';
import type { ModelFrameTransform } from '../images/model-frame';
import { placeInFrame } from '../images/resize-to-model';
import type { BinaryMask } from '../sample';

/** Image-frame mask → soft mask in the model frame, Float32Array of model.height·model.width in [0,1]. */
export function maskToModelFrame(mask: BinaryMask, transform: ModelFrameTransform): Float32Array {
  if (mask.width !== transform.image.width || mask.height !== transform.image.height) {
    throw new DiffPromptError('ERR_SHAPE', `mask is ${mask.width}×${mask.height} but the transform is for a ${transform.image.width}×${transform.image.height} image`);
  }
  const grey = new Uint8Array(mask.data.length);
  for (let i = 0; i < grey.length; i++) grey[i] = mask.data[i] ? 255 : 0;
  const resized = resampleBilinear(grey, mask, 1, transform.content);
  const soft = new Float32Array(resized.length);
  for (let i = 0; i < soft.length; i++) soft[i] = resized[i]! / 255;
  return placeInFrame(soft, 1, transform);
}

/** Soft mask in the model frame → binary mask in the image frame (pixel set where value ≥ threshold). */
export function maskFromModelFrame(soft: Float32Array, transform: ModelFrameTransform, threshold = 0.5): BinaryMask {
  const { model, content, image } = transform;
  if (soft.length !== model.width * model.height) {
    throw new DiffPromptError('ERR_SHAPE', `soft mask has ${soft.length} values; the model frame is ${model.width}×${model.height}`);
  }
  const cropped = new Float32Array(content.width * content.height);
  for (let y = 0; y < content.height; y++) {
    const start = (content.y + y) * model.width + content.x;
    cropped.set(soft.subarray(start, start + content.width), y * content.width);
  }
  const resized = resampleBilinear(cropped, content, 1, image);
  const data = new Uint8Array(resized.length);
  for (let i = 0; i < data.length; i++) data[i] = resized[i]! >= threshold ? 1 : 0;
  return { width: image.width, height: image.height, data };
}
