// An image → the model's input frame: resampled as the reference does (PIL bilinear), placed
// per the transform (the whole frame for 'stretch', centred with black padding for 'letterbox').
// The transform comes back with it so boxes and masks can follow (see model-frame.ts).
import { DiffPromptError } from '../../errors';
import type { RgbImage } from '../sample';
import { resampleBilinear } from './bilinear-resample';
import { modelFrameTransform, type AspectMode, type FrameSize, type ModelFrameTransform } from './model-frame';

export interface ModelFrameImage {
  image: RgbImage;
  transform: ModelFrameTransform;
}

/** Places pixels (H×W×channels) of the content size into a zero frame of the model size at the content offset. */
export function placeInFrame<T extends Uint8Array | Float32Array>(content: T, channels: number, transform: ModelFrameTransform): T {
  const { model, content: box } = transform;
  if (box.x === 0 && box.y === 0 && box.width === model.width && box.height === model.height) return content;
  const frame = (content instanceof Uint8Array ? new Uint8Array(model.width * model.height * channels) : new Float32Array(model.width * model.height * channels)) as T;
  for (let y = 0; y < box.height; y++) {
    const row = content.subarray(y * box.width * channels, (y + 1) * box.width * channels);
    frame.set(row, ((box.y + y) * model.width + box.x) * channels);
  }
  return frame;
}

/** Resizes an image to `model` pixels (a number for a square) with the chosen aspect handling. */
export function resizeToModel(image: RgbImage, model: FrameSize | number, aspect: AspectMode): ModelFrameImage {
  if (image.data.length !== image.width * image.height * 3) {
    throw new DiffPromptError('ERR_SHAPE', `resizeToModel needs width·height·3 bytes; got ${image.width}×${image.height} with ${image.data.length}`);
  }
  const transform = modelFrameTransform(image, model, aspect);
  const resized = resampleBilinear(image.data, image, 3, transform.content);
  const data = placeInFrame(resized, 3, transform);
  return { image: { width: transform.model.width, height: transform.model.height, data }, transform };
}
