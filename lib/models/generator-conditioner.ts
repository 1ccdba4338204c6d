// What the prompt generator is conditioned on: a frozen model that turns an image and an
// expression into an image feature (B×Di), a text feature (B×Dt) and the image's feature map
// (B×Di×h×w, for spatial conditioning). The grounding model is the default (its pooled features
// before fusion, DESIGN.md); CLIP is the reference's. The generator's composite jobs call it
// natively, in the conditioner's own frame, normalisation and tokens.
import type { BatchOptions } from '../data/batching';
import type { NativeModelHandle } from '../native-api';
import type { NativeModel } from './native-model';

export interface ConditionWidths {
  image: number;
  text: number;
  /** Channels of the image feature map. */
  map: number;
}

export interface GeneratorConditioner extends NativeModel<NativeModelHandle, unknown> {
  /** 'grounding-model' or 'clip-model': recorded with the generator it trains. */
  readonly kind: string;
  /** The batch's token set the conditioner reads (batchOptions() makes it). */
  readonly conditionerTokens: string;
  readonly conditionWidths: ConditionWidths;
  /** Frame, normalisation and tokenizer for batches this conditioner reads. */
  batchOptions(): BatchOptions;
}
