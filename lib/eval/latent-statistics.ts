// The scale of a Mask-VAE's latents on a mask set: how widely the posterior means spread and how
// wide the posteriors are. A generator learns its target best at unit variance: latentScale =
// 1 / the spread of the means (what the prompt generator's `tiny-spatial` preset uses for the
// tiny Mask-VAE), and posteriors wider than that spread make the reference's draws mostly noise.
import type { MaskSet } from '../data/mask-sets';
import { stackMasks } from '../data/mask-sets';
import type { MaskVae } from '../models/mask-vae';
import { Tensor } from '../tensor';

export interface LatentStatistics {
  count: number;
  /** Standard deviation of the posterior means over every latent element. */
  meanSpread: number;
  /** Average posterior σ = exp(logvar / 2). */
  posteriorSigma: number;
  /** 1 / meanSpread. */
  unitScale: number;
}

export async function latentStatistics(model: MaskVae, set: MaskSet, batchSize = 64): Promise<LatentStatistics> {
  let [count, sum, squares, sigma] = [0, 0, 0, 0];
  for (let start = 0; start < set.count; start += batchSize) {
    const slice = Array.from({ length: Math.min(batchSize, set.count - start) }, (_, i) => start + i);
    using masks = Tensor.from(stackMasks(set, slice), [slice.length, 1, set.size, set.size]);
    const encoded = await model.encode(masks);
    try {
      const [means, logvars] = [await encoded.mean.data<'float32'>(), await encoded.logvar.data<'float32'>()];
      means.forEach((value, i) => {
        sum += value;
        squares += value * value;
        sigma += Math.exp(0.5 * logvars[i]!);
      });
      count += means.length;
    } finally {
      for (const tensor of [encoded.mean, encoded.logvar, encoded.sample]) tensor.dispose();
    }
  }
  const mean = sum / count;
  const meanSpread = Math.sqrt(squares / count - mean * mean);
  return { count: set.count, meanSpread, posteriorSigma: sigma / count, unitScale: 1 / meanSpread };
}
