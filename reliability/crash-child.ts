// The crash-safety part's training run: a tiny prompt generator on the shipped conditioner and
// Mask-VAE, checkpointing `last` after every step, resuming from it when it exists.
//   tsx reliability/crash-child.ts CHECKPOINT_DIR STEPS
import { promptGeneratorPreset } from '../lib/config/prompt-generator-config';
import { worldSource } from '../lib/data/world';
import { shippedParts } from '../lib/io/shipped-parts';
import { GroundingModel } from '../lib/models/grounding-model';
import { MaskVae } from '../lib/models/mask-vae';
import { trainPromptGenerator } from '../lib/stages/train-prompt-generator';

async function main(): Promise<void> {
  const [checkpointDir, steps] = process.argv.slice(2) as [string, string];
  const parts = shippedParts();
  const { model: conditioner } = await GroundingModel.load(parts.backbone);
  const { model: vae } = await MaskVae.load(parts.vae);
  const widths = conditioner.conditionWidths;
  const config = {
    ...promptGeneratorPreset('tiny'),
    depth: 2,
    imageConditionWidth: widths.image,
    textConditionWidth: widths.text,
    inputSize: vae.config.sampleSize / 2 ** (vae.config.blockChannels.length - 1),
    inChannels: vae.config.latentChannels,
    seed: 3,
  };
  const data = worldSource({ seed: 3, split: 'train', count: 64, size: conditioner.config.imageSize });
  const { generator } = await trainPromptGenerator(data, { conditioner, vae, config, steps: Number(steps), batchSize: 8, seed: 3, checkpointEvery: 1, checkpointDir, resume: true });
  generator.dispose();
  conditioner.dispose();
  vae.dispose();
  console.log('finished');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
