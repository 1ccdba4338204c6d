// How fast the generated world makes samples on one core. The budget: 10,000 samples at 64×64
// in ≤ 10 s (≥ 1,000 samples/s) for each family option; 224×224 is measured for reference.
// Usage: npx tsx bench/world-speed.ts [count]   (count defaults to 10,000)
import { iterateWorld } from '../lib/data/world';
import type { WorldFamily } from '../lib/data/world';

const BUDGET_SECONDS_PER_10K = 10;

/** Seconds to make `count` samples, and how many distinct scenes they came from. */
function measure(family: WorldFamily, size: number, count: number): { seconds: number; scenes: number } {
  const started = performance.now();
  const scenes = new Set<string>();
  for (const sample of iterateWorld({ seed: 2025, split: 'train', count, size, family })) scenes.add(sample.imageId);
  return { seconds: (performance.now() - started) / 1000, scenes: scenes.size };
}

function report(family: WorldFamily, size: number, count: number): number {
  const { seconds, scenes } = measure(family, size, count);
  const rate = count / seconds;
  console.log(`${size}×${size}  family ${family.padEnd(6)}  ${count} samples (${scenes} scenes)  ${seconds.toFixed(2)} s  ${Math.round(rate)} samples/s`);
  return seconds * (10_000 / count);
}

const count = Number(process.argv[2] ?? 10_000);
measure('both', 64, 600); // warm-up, so that the timings below are of JIT-compiled code
const worst = Math.max(...(['both', 'source', 'target'] as const).map((family) => report(family, 64, count)));
report('both', 224, Math.ceil(count / 10));
const verdict = worst <= BUDGET_SECONDS_PER_10K ? 'within' : 'OVER';
console.log(`64×64: ${worst.toFixed(2)} s per 10,000 samples at worst, ${verdict} the ${BUDGET_SECONDS_PER_10K} s budget`);
