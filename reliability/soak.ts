// Soak: predictions on the shipped backbone, then training steps of a tiny Mask-VAE, each for
// the long or short count. After releaseCpuBufferCache() (and a garbage collection, under
// --expose-gc) the resident memory must not grow beyond noise (a least-squares slope over the
// run's second half), and the native tensor buffers alive at the end must be those alive at the start.
import fs from 'node:fs';
import { MASK_VAE_PRESETS } from '../lib/config/mask-vae-config';
import { stackMasks, worldMaskSet } from '../lib/data/mask-sets';
import { encodePng } from '../lib/data/images/encode-png';
import { worldSample } from '../lib/data/world';
import { shippedParts } from '../lib/io/shipped-parts';
import { MaskVae } from '../lib/models/mask-vae';
import { releaseCpuBufferCache, runtimeInfo } from '../lib/runtime';
import { GroundingPipeline } from '../lib/serving/grounding-pipeline';
import { Tensor } from '../lib/tensor';
import { type Part, type PartResult, slope } from './part';

/** RSS is sampled 40 times over a run. */
const SAMPLES = 40;
/** Growth allowed over a whole run, from the slope: beyond it, memory leaks. */
const GROWTH_BOUND_MB = 8;

function residentMb(): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

function settledResidentMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  releaseCpuBufferCache();
  return residentMb();
}

/** Runs `iterations` of `step`, sampling settled RSS; returns the slope's growth over the run (MB) and the range. */
async function soakOf(iterations: number, step: (i: number) => Promise<void>): Promise<{ growthMb: number; first: number; last: number }> {
  const at: number[] = [];
  const rss: number[] = [];
  const every = Math.max(1, Math.floor(iterations / SAMPLES));
  for (let i = 0; i < iterations; i++) {
    await step(i);
    if ((i + 1) % every === 0) {
      at.push(i + 1);
      rss.push(settledResidentMb());
    }
  }
  const half = Math.floor(at.length / 2);
  return { growthMb: slope(at.slice(half), rss.slice(half)) * iterations, first: rss[0]!, last: rss[rss.length - 1]! };
}

export const soak: Part = {
  name: 'soak',
  async run(form): Promise<PartResult> {
    const iterations = form === 'long' ? 2000 : 300;
    const failures: string[] = [];
    const figures: Record<string, string> = {};
    const liveAtStart = runtimeInfo().cpuBufferCache.liveBuffers;

    {
      await using pipeline = await GroundingPipeline.load(shippedParts().backbone);
      const images = await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          const sample = worldSample({ seed: 3, split: 'val', family: 'both', count: 8, size: 96 }, i);
          return { png: await encodePng(sample.image.image), expression: sample.expression };
        }),
      );
      const predictions = await soakOf(iterations, async (i) => {
        await pipeline.predict(images[i % images.length]!.png, images[i % images.length]!.expression);
      });
      figures[`${iterations} predictions: RSS first → last sample`] = `${predictions.first.toFixed(0)} → ${predictions.last.toFixed(0)} MB, slope ${predictions.growthMb.toFixed(1)} MB over the run`;
      if (!(predictions.growthMb < GROWTH_BOUND_MB)) failures.push(`predictions: RSS grows ${predictions.growthMb.toFixed(1)} MB over the run (bound ${GROWTH_BOUND_MB})`);
    }

    {
      await using vae = await MaskVae.create({ ...MASK_VAE_PRESETS.tiny, seed: 1 });
      const side = vae.config.sampleSize;
      const set = worldMaskSet({ seed: 0, split: 'train', count: 64, size: side });
      const steps = await soakOf(iterations, async (i) => {
        using masks = Tensor.from(
          stackMasks(
            set,
            Array.from({ length: 8 }, (_, k) => (8 * i + k) % 64),
          ),
          [8, 1, side, side],
        );
        await vae.trainStep(masks, { lr: 1e-3, klWeight: 1e-4 });
      });
      figures[`${iterations} Mask-VAE training steps: RSS first → last sample`] = `${steps.first.toFixed(0)} → ${steps.last.toFixed(0)} MB, slope ${steps.growthMb.toFixed(1)} MB over the run`;
      if (!(steps.growthMb < GROWTH_BOUND_MB)) failures.push(`training: RSS grows ${steps.growthMb.toFixed(1)} MB over the run (bound ${GROWTH_BOUND_MB})`);
    }

    (globalThis as { gc?: () => void }).gc?.();
    const liveAtEnd = runtimeInfo().cpuBufferCache.liveBuffers;
    figures['native tensor buffers alive, start → end'] = `${liveAtStart} → ${liveAtEnd}`;
    if (liveAtEnd !== liveAtStart) failures.push(`${liveAtEnd - liveAtStart} native tensor buffers more at the end than at the start`);
    return { failures, figures };
  },
};
