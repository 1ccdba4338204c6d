// The map between an image's pixel frame and the model's input frame (e.g. 224×224). It is a
// scale and an offset per axis, model = image·scale + offset, in continuous pixel coordinates
// (pixel i covers [i, i+1)), so boxes map exactly and the resampler (pixel centres at i+0.5)
// agrees with it.
//   stretch:   plain resize to the model size, aspect not kept (the reference's Resize((224,224))).
//   letterbox: the largest resize that keeps the aspect, centred, the rest padded.
import { DiffPromptError } from '../../errors';
import type { Box } from '../sample';

export type AspectMode = 'stretch' | 'letterbox';

export interface FrameSize {
  width: number;
  height: number;
}

export interface ModelFrameTransform {
  aspect: AspectMode;
  image: FrameSize;
  model: FrameSize;
  /** Where the resized image lies inside the model frame: all of it for 'stretch'. */
  content: { x: number; y: number; width: number; height: number };
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
}

function checkSize(size: FrameSize, what: string): void {
  if (!(Number.isInteger(size.width) && Number.isInteger(size.height) && size.width > 0 && size.height > 0)) {
    throw new DiffPromptError('ERR_CONFIG', `${what} must be whole positive pixels; got ${size.width}×${size.height}`);
  }
}

/** The transform for an image of this size into a model input of `model` pixels (a number for a square). */
export function modelFrameTransform(image: FrameSize, model: FrameSize | number, aspect: AspectMode): ModelFrameTransform {
  const modelSize = typeof model === 'number' ? { width: model, height: model } : { width: model.width, height: model.height };
  checkSize(image, 'the image size');
  checkSize(modelSize, 'the model input size');
  let contentWidth = modelSize.width;
  let contentHeight = modelSize.height;
  if (aspect === 'letterbox') {
    const scale = Math.min(modelSize.width / image.width, modelSize.height / image.height);
    contentWidth = Math.min(modelSize.width, Math.max(1, Math.round(image.width * scale)));
    contentHeight = Math.min(modelSize.height, Math.max(1, Math.round(image.height * scale)));
  }
  const x = Math.floor((modelSize.width - contentWidth) / 2);
  const y = Math.floor((modelSize.height - contentHeight) / 2);
  return {
    aspect,
    image: { width: image.width, height: image.height },
    model: modelSize,
    content: { x, y, width: contentWidth, height: contentHeight },
    // The scale is the one the resampler really applies (rounded content size / image size).
    scaleX: contentWidth / image.width,
    scaleY: contentHeight / image.height,
    offsetX: x,
    offsetY: y,
  };
}

/** A box [x, y, w, h] in image pixels → the same box in model pixels. */
export function toModelBox(box: Box, transform: ModelFrameTransform): Box {
  const { scaleX, scaleY, offsetX, offsetY } = transform;
  return [box[0] * scaleX + offsetX, box[1] * scaleY + offsetY, box[2] * scaleX, box[3] * scaleY];
}

/** A box in model pixels (e.g. a prediction) → image pixels. */
export function toImageBox(box: Box, transform: ModelFrameTransform): Box {
  const { scaleX, scaleY, offsetX, offsetY } = transform;
  return [(box[0] - offsetX) / scaleX, (box[1] - offsetY) / scaleY, box[2] / scaleX, box[3] / scaleY];
}
