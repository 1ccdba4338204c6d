// The COCO images held out of Mask-VAE training, so that real-mask IoU is measured on objects
// the model never saw: every fifth image, by id, of the real instances file used for training.
export const COCO_HELD_OUT_IMAGE_IDS: ReadonlySet<number> = new Set([6562, 123835, 153038, 201899, 334868, 454565]);
