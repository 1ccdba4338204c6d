// Seconds per prompt-generator training step as the training loop runs it (trainOnBatch: the
// frozen conditioner's features, the Mask-VAE latent, MaskDiT's diffusion loss, AdamW and the EMA
// in one native job), for a preset's sizes, in float32 and in bf16. The parts have random weights
// of the preset's sizes (a step costs the same whatever the weights); the paper conditioner's text
// encoder reads the generated world's word-level vocabulary instead of BERT's 30,522 WordPieces,
// which changes only its embedding table.
// Usage: npx tsx bench/generator-step-speed.ts [tiny|paper] [batch] [steps]
import { groundingPreset } from '../lib/config/grounding-config';
import { maskVaePreset } from '../lib/config/mask-vae-config';
import { promptGeneratorPreset } from '../lib/config/prompt-generator-config';
import { makeBatch } from '../lib/data/batching';
import { worldSample } from '../lib/data/world';
import { GroundingModel } from '../lib/models/grounding-model';
import { MaskVae } from '../lib/models/mask-vae';
import { PromptGenerator } from '../lib/models/prompt-generator';

const PARTS = {
  tiny: { grounding: 'tiny', vae: 'tiny', generator: 'tiny-spatial' },
  paper: { grounding: 'paper', vae: 'paper', generator: 'paper' },
} as const;

async function main(): Promise<void> {
  const preset = (process.argv[2] ?? 'paper') as keyof typeof PARTS;
  if (!(preset in PARTS)) throw new Error(`preset must be tiny or paper, not ${preset}`);
  const [batchSize, steps] = [Number(process.argv[3] ?? (preset === 'paper' ? 8 : 32)), Number(process.argv[4] ?? 4)];
  const names = PARTS[preset];
  using conditioner = await GroundingModel.create({ ...groundingPreset(names.grounding), tokenizer: { kind: 'word-level', maxLength: 16 }, seed: 0 });
  using vae = await MaskVae.create({ ...maskVaePreset(names.vae), seed: 0 });
  const size = conditioner.config.imageSize;
  const world = { seed: 0, split: 'train' as const, count: batchSize, size };
  const batch = await makeBatch(
    Array.from({ length: batchSize }, (_, i) => worldSample(world, i)),
    conditioner.batchOptions(),
  );
  const widths = conditioner.conditionWidths;
  const generatorPreset = promptGeneratorPreset(names.generator);
  console.log(
    `prompt generator train step, ${preset} (batch ${batchSize}, ${size}×${size} images, ${vae.config.sampleSize}×${vae.config.sampleSize} masks); median of ${steps} steps after one warm-up`,
  );
  for (const precision of ['fp32', 'bf16'] as const) {
    using generator = await PromptGenerator.create({
      ...generatorPreset,
      imageConditionWidth: widths.image,
      textConditionWidth: widths.text,
      ...(generatorPreset.spatialConditionWidth ? { spatialConditionWidth: widths.map } : {}),
      inputSize: vae.config.sampleSize / 2 ** (vae.config.blockChannels.length - 1),
      inChannels: vae.config.latentChannels,
      precision,
      seed: 0,
    });
    const times: number[] = [];
    for (let i = 0; i <= steps; i++) {
      const started = performance.now();
      await generator.trainOnBatch({ conditioner, vae }, batch, { lr: 1e-4 });
      if (i > 0) times.push((performance.now() - started) / 1000);
    }
    times.sort((a, b) => a - b);
    console.log(`${precision}: ${times[Math.floor(times.length / 2)]!.toFixed(2)} s per step (${generator.parameterCount().toLocaleString('en-US')} generator parameters)`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
