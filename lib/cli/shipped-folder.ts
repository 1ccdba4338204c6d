// What a training command leaves: the resumable state (`last`, `best`) in <out>-training, and in
// <out> itself only the best epoch's weights and the run's history, as shipped in pretrained/.
import fs from 'node:fs';
import path from 'node:path';

interface SavedModel {
  save(dir: string): Promise<void>;
  parameterCount(): number;
  dispose(): void;
}

/** Where a training command keeps `last` (resumable) and `best`, beside the shipped folder. */
export const trainingDir = (out: string) => `${path.resolve(out)}-training`;

/** Saves the best epoch (trainingDir(out)/best, else `trained`) as `out` with history.json, frees
 * both models, and returns the saved model's parameter count. */
export async function shipBest<Model extends SavedModel>(out: string, trained: Model, load: (dir: string) => Promise<{ model: Model }>, history: unknown): Promise<number> {
  const best = path.join(trainingDir(out), 'best');
  const { model: chosen } = fs.existsSync(best) ? await load(best) : { model: trained };
  try {
    await chosen.save(out);
    fs.writeFileSync(path.join(out, 'history.json'), `${JSON.stringify(history, null, 2)}\n`);
    return chosen.parameterCount();
  } finally {
    if (chosen !== trained) chosen.dispose();
    trained.dispose();
  }
}
