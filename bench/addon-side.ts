// One benchmark row on the addon's side, in a process of its own (so its peak RSS is its own):
//   tsx bench/addon-side.ts WORKLOAD_INDEX DIR RUNS
// Writes DIR/weights.safetensors, DIR/input.safetensors (masks, rng) and prints JSON
// { times: ms[], loss: first step's loss, maxRssKb }.
import path from 'node:path';
import { writeSafetensors } from '../lib/io/safetensors';
import { MaskVae } from '../lib/models/mask-vae';
import { worldMaskSet, stackMasks } from '../lib/data/mask-sets';
import { Tensor } from '../lib/tensor';
import { WORKLOADS } from './workloads';

const KL_WEIGHT = 3.7732e-4;
const LR = 5e-3;
const WARM_UP = 2;

async function main(): Promise<void> {
  const [index, dir, runs] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4] ?? 10)];
  const workload = WORKLOADS[index];
  using vae = MaskVae.create(workload.config as never);
  const side = vae.config.sampleSize;
  const set = worldMaskSet({ seed: 0, split: 'train', count: workload.batch, size: side });
  using masks = Tensor.from(stackMasks(set, Array.from({ length: workload.batch }, (_, i) => i)), [workload.batch, 1, side, side]);
  await vae.save(path.join(dir, 'vae'));
  // The PyTorch side continues from the same generator state, so both draw the same noise.
  const state = await vae.rngState();
  using rngTensor = Tensor.from(state, [state.length], 'uint8');
  await writeSafetensors(path.join(dir, 'input.safetensors'), { masks, rng: rngTensor });
  const times: number[] = [];
  let loss = Number.NaN;
  for (let i = 0; i < WARM_UP + runs; i++) {
    const started = performance.now();
    const result = await vae.trainStep(masks, { lr: LR, klWeight: KL_WEIGHT });
    if (i === 0) loss = result.loss;
    if (i >= WARM_UP) times.push(performance.now() - started);
  }
  console.log(JSON.stringify({ times, loss, maxRssKb: process.resourceUsage().maxRSS }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
