// Prompt insertion does what prompting is for: VPT-deep prompts (with deep textual ones), trained
// briefly on the shipped tiny backbone's weak family (`target`: relations, ordinals), raise its
// held-out R@1 above zero-shot while every backbone weight stays frozen.
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { worldSource } from '../lib/data/world';
import { batchStream } from '../lib/data/batching';
import { evaluateGrounding } from '../lib/eval/evaluate-grounding';
import { GroundingModel } from '../lib/models/grounding-model';

const test = suite('grounding prompt tuning');
const shipped = path.join(__dirname, '..', 'pretrained', 'grounding-tiny');

test('VPT-deep prompts trained for 150 steps raise val/target R@1 and R@5 above zero-shot', async () => {
  using model = await GroundingModel.loadWithPrompts(shipped, { visualPromptDepth: 4, visualPromptLength: 8, textPromptDepth: 2, textPromptLength: 8 });
  const val = worldSource({ seed: 0, split: 'val', family: 'target', count: 600, size: 64 });
  const zeroShot = await GroundingModel.load(shipped);
  const before = await evaluateGrounding(zeroShot.model, val);
  zeroShot.model.dispose();
  await model.setTrainable('prompts');
  const train = worldSource({ seed: 0, split: 'train', family: 'target', count: 150 * 32, size: 64 });
  for await (const batch of batchStream(train, { ...model.batchOptions(), batchSize: 32, seed: 1, epochs: 1 })) {
    await model.trainStep(batch, { lr: 1e-2 });
  }
  const after = await evaluateGrounding(model, val);
  // Measured: R@1 0.282 → 0.333, R@5 0.728 → 0.928 (relations stay hard for a frozen backbone).
  console.log(`val/target zero-shot R@1 ${before.recall[1]!.toFixed(3)} R@5 ${before.recall[5]!.toFixed(3)} → prompted R@1 ${after.recall[1]!.toFixed(3)} R@5 ${after.recall[5]!.toFixed(3)}`);
  assert.ok(after.recall[1]! > before.recall[1]! + 0.02, `R@1 ${before.recall[1]} → ${after.recall[1]}`);
  assert.ok(after.recall[5]! > before.recall[5]! + 0.1, `R@5 ${before.recall[5]} → ${after.recall[5]}`);
});

test.run();
