// The grounding loss's and decoder's pieces as plain functions on tensors (native, off the event
// loop): the same code the grounding model trains and predicts with.
import { native } from '../native';
import { Tensor } from '../tensor';

/** Elementwise sigmoid focal loss: α_t·(1 − p_t)^γ·BCE(logit, target). */
export async function sigmoidFocalLoss(logits: Tensor, targets: Tensor, options: { alpha?: number; gamma?: number } = {}): Promise<Tensor> {
  return new Tensor(await native().sigmoidFocalLoss(logits.handle, targets.handle, options.alpha ?? 0.25, options.gamma ?? 2));
}

/** IoU or generalised IoU of matching rows of two …×4 [x0, y0, x1, y1] tensors. */
export async function boxOverlap(a: Tensor, b: Tensor, criterion: 'iou' | 'giou' = 'iou'): Promise<Tensor> {
  return new Tensor(await native().boxOverlap(a.handle, b.handle, criterion));
}

/** Greedy NMS over N×4 boxes sorted best first → kept indices (int64), best first. */
export async function nonMaximumSuppression(boxes: Tensor, iou = 0.6): Promise<Tensor> {
  return new Tensor(await native().nonMaximumSuppression(boxes.handle, iou));
}

/** ATSS positives for one box per sample (B×4 model pixels) on the given pyramid. */
export async function atssAssign(
  grid: { imageSize: number; pyramidStrides: number[]; anchorScale: number; atssTopK?: number },
  boxes: Tensor,
): Promise<{ positive: Tensor; centernessTarget: Tensor; centers: Tensor }> {
  const result = await native().atssAssign({ ...grid, atssTopK: grid.atssTopK ?? 9 }, boxes.handle);
  return { positive: new Tensor(result.positive), centernessTarget: new Tensor(result.centernessTarget), centers: new Tensor(result.centers) };
}

/** The head's raw outputs → ranked boxes per sample, as GLIP: locations whose mean phrase-token
 * probability p̄ is at most scoreThreshold are dropped, score = √(p̄ · sigmoid(centerness)), NMS,
 * topK, boxes clipped to [0, imageSize]. boxes B×A×4, centerness
 * B×A (logits), tokenLogits B×A×T; positiveTokens, attentionMask B×T; levelSizes: locations per
 * pyramid level (each keeps its own best 1000 before NMS). */
export async function decodeBoxes(
  head: { boxes: Tensor; centerness: Tensor; tokenLogits: Tensor },
  positiveTokens: Tensor,
  attentionMask: Tensor,
  options: { imageSize: number; topK?: number; scoreThreshold?: number; nmsIou?: number; levelSizes?: number[] },
): Promise<{ boxes: Tensor; scores: Tensor }[]> {
  const ranked = await native().decodeBoxes(
    { boxes: head.boxes.handle, centerness: head.centerness.handle, tokenLogits: head.tokenLogits.handle },
    positiveTokens.handle,
    attentionMask.handle,
    options,
  );
  return ranked.map(({ boxes, scores }) => ({ boxes: new Tensor(boxes), scores: new Tensor(scores) }));
}
