// One sample → its parts in the model frame: the image resized (stretch or letterbox), the mask
// and the box carried along by the same transform, and its tokens per encoder. Anything wrong
// with the sample's data is an ERR_DATA that starts with "sample <id>:", so a bad record can be
// found (or skipped, see batch-stream.ts).
import { DiffPromptError, isDiffPromptError } from '../../errors';
import { loadImage } from '../images/load-image';
import { toModelBox, type ModelFrameTransform } from '../images/model-frame';
import { resizeToModel } from '../images/resize-to-model';
import { maskToModelFrame } from '../masks/mask-model-frame';
import { boxProblem, expressionProblem } from '../readers/record-checks';
import type { BinaryMask, CharSpan, ExpressionFamily, ReferringSample, RgbImage } from '../sample';
import { positiveTokenMask } from '../tokenizers/positive-token-mask';
import type { ResolvedBatchOptions } from './batch-options';

export interface PreparedTokens {
  ids: Int32Array; // L
  attentionMask: Uint8Array; // L
  positive: Uint8Array; // L
}

export interface PreparedSample {
  id: string;
  expression: string;
  family: ExpressionFamily | null;
  image: RgbImage; // model frame, H×W×3
  mask: Float32Array | null; // model frame, H×W in [0,1]; null when the sample has none
  modelBox: [number, number, number, number]; // [x0, y0, x1, y1], model pixels
  imageBox: [number, number, number, number]; // [x0, y0, x1, y1], original pixels
  transform: ModelFrameTransform;
  tokens: Record<string, PreparedTokens>;
}

/** The ERR_DATA for a sample's bad data: the message names the sample, the fields keep the parts apart. */
export class BadSampleError extends DiffPromptError {
  constructor(
    readonly sampleId: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_DATA', `sample ${sampleId}: ${reason}`, options);
  }
}

async function decodedImage(sample: ReferringSample): Promise<RgbImage> {
  const image = sample.image.kind === 'pixels' ? sample.image.image : await loadImage(sample.image.path);
  if (image.data.length !== image.width * image.height * 3) {
    throw new BadSampleError(sample.id, `its image holds ${image.data.length} bytes, not width·height·3 = ${image.width * image.height * 3}`);
  }
  if (image.width !== sample.width || image.height !== sample.height) {
    throw new BadSampleError(sample.id, `its image is ${image.width}×${image.height} but the sample says ${sample.width}×${sample.height}: the annotation belongs to another image`);
  }
  return image;
}

function checkedMask(sample: ReferringSample): BinaryMask | undefined {
  const mask = sample.mask; // may decode a segmentation (lazy-mask.ts): read once
  if (mask === undefined) return undefined;
  if (mask.width !== sample.width || mask.height !== sample.height || mask.data.length !== mask.width * mask.height) {
    throw new BadSampleError(sample.id, `its mask is ${mask.width}×${mask.height} (${mask.data.length} values) but its image is ${sample.width}×${sample.height}`);
  }
  return mask;
}

/** Token ids, attention and the referent's tokens. A sample without tokens_positive refers with its whole expression. */
function encodeTokens(sample: ReferringSample, options: ResolvedBatchOptions): Record<string, PreparedTokens> {
  const spans: CharSpan[] = sample.tokensPositive ?? [[0, [...sample.expression].length]];
  const tokens: Record<string, PreparedTokens> = {};
  for (const { name, tokenizer, maxLength } of options.tokenizers) {
    const encoded = tokenizer.encode(sample.expression, { ...(maxLength === undefined ? {} : { maxLength }), pad: true, truncate: true });
    const positive = positiveTokenMask(encoded.offsets, spans);
    if (!positive.includes(1)) {
      throw new BadSampleError(
        sample.id,
        `no "${name}" token of "${sample.expression}" covers its referent's phrase ${JSON.stringify(spans)} (the phrase lies past the ${encoded.ids.length}-token limit, or its words are not tokens): raise maxLength or fix tokens_positive`,
      );
    }
    tokens[name] = { ids: encoded.ids, attentionMask: encoded.attentionMask, positive };
  }
  return tokens;
}

async function prepareChecked(sample: ReferringSample, options: ResolvedBatchOptions): Promise<PreparedSample> {
  const problem = expressionProblem(sample.expression) ?? boxProblem(sample.box, sample.width, sample.height);
  if (problem) throw new BadSampleError(sample.id, problem);
  const mask = checkedMask(sample);
  const tokens = encodeTokens(sample, options);
  const { image, transform } = resizeToModel(await decodedImage(sample), options.size, options.aspect);
  const [x, y, w, h] = sample.box;
  const [mx, my, mw, mh] = toModelBox(sample.box, transform);
  return {
    id: sample.id,
    expression: sample.expression,
    family: sample.family ?? null,
    image,
    mask: mask === undefined ? null : maskToModelFrame(mask, transform),
    modelBox: [mx, my, mx + mw, my + mh],
    imageBox: [x, y, x + w, y + h],
    transform,
    tokens,
  };
}

/** Throws ERR_DATA "sample <id>: ..." for bad data (including an image file that is missing or does not decode). */
export async function prepareSample(sample: ReferringSample, options: ResolvedBatchOptions): Promise<PreparedSample> {
  try {
    return await prepareChecked(sample, options);
  } catch (error) {
    if (error instanceof BadSampleError || !isDiffPromptError(error, 'ERR_DATA')) throw error;
    throw new BadSampleError(sample.id, error.message, { cause: error });
  }
}
