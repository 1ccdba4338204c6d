// DiffPrompt: stage 3, the method itself. The frozen grounding model (the backbone) is prompted
// layer by layer with tokens made from the prompt generator's denoising trajectory: each kept
// latent is decoded by the frozen Mask-VAE and turned into visual and textual prompts by two
// adapters, the only part that trains (native/models/diff_prompt_model.h). A training step
// is one native job holding all five models; evaluation seeds each sample's x_T from its id, so
// a prediction does not depend on the batch it is in.
//
// A saved folder keeps the adapters' weights and refers to its frozen parts by relative path and
// the sha256 of their weights (parts.json); loading refuses a part whose weights differ.
import fs from 'node:fs';
import path from 'node:path';
import { type DiffPromptConfig, type DiffPromptConfigInput, diffPromptConfigSchema } from '../config/diff-prompt-config';
import { parseConfig } from '../config/parse-config';
import type { Batch, BatchOptions } from '../data/batching';
import { sampleSeed } from '../data/sample-seed';
import { DiffPromptError } from '../errors';
import { EMA_FILE, WEIGHTS_FILE, checkpointLocation } from '../io/checkpoint-folder';
import { runLongJob } from '../long-job';
import { native } from '../native';
import type { NativeModelHandle, NativeDiffPromptHandle, NativeDiffPromptBatch } from '../native-api';
import { Tensor } from '../tensor';
import { withGroundingBatch } from './grounding-batch-tensors';
import { GroundingModel, type ModelFrameBox, type PredictOptions } from './grounding-model';
import { MaskVae } from './mask-vae';
import { matchesRecord, weightsDigest } from '../io/weights-digest';
import { NativeModel, type SaveOptions, storedConfig } from './native-model';
import { PromptGenerator } from './prompt-generator';
import type { PromptMethod } from './prompt-method';

const KIND = 'diff-prompt';
export const PARTS_FILE = 'parts.json';

/** The frozen models Diff-Prompt prompts and draws from; the generator must have been trained
 * with this backbone as its conditioner and with this Mask-VAE. */
export interface DiffPromptParts {
  backbone: GroundingModel;
  vae: MaskVae;
  generator: PromptGenerator;
}

/** Where the parts were loaded from, so a saved folder can refer to them. */
export interface DiffPromptPartDirs {
  backbone: string;
  vae: string;
  generator: string;
}

interface PartRecord {
  path: string | null;
  sha256: string;
  /** The generator's: its EMA weights, which sampling uses. */
  emaSha256?: string;
}

type PartsFile = Record<keyof DiffPromptPartDirs, PartRecord>;

export interface DiffPromptLosses {
  /** grounding + alignmentWeight · alignment */
  loss: number;
  grounding: number;
  token: number;
  box: number;
  centerness: number;
  alignment: number;
  positives: number;
}

export class DiffPrompt extends NativeModel<NativeDiffPromptHandle, DiffPromptConfig> implements PromptMethod {
  /** parts.json's content for the next save, worked out before the save holds this model. */
  private partsRecord: PartsFile | undefined;

  private constructor(
    readonly parts: DiffPromptParts,
    config: DiffPromptConfig,
    private readonly partDirs: DiffPromptPartDirs | undefined,
    private readonly ownsParts: boolean,
  ) {
    const { backbone, vae, generator } = parts;
    super(
      new (native().NativeDiffPrompt)(nativeHandleOf(backbone), nativeHandleOf(vae), nativeHandleOf(generator), {
        ...config,
        respacing: generator.respacingFor(config.samplingSteps),
      }),
      config,
      KIND,
    );
  }

  /** Adapters on the given frozen parts (not owned: dispose them yourself), refusing a generator
   * trained with another backbone or Mask-VAE. The first job freezes the backbone (its
   * setTrainable undoes that). */
  static async create(parts: DiffPromptParts, config: DiffPromptConfigInput): Promise<DiffPrompt> {
    await parts.generator.checkParts({ conditioner: parts.backbone, vae: parts.vae });
    return new DiffPrompt(parts, parseConfig(diffPromptConfigSchema, capped(config, parts.backbone), 'Diff-Prompt config'), undefined, false).built();
  }

  /** Adapters on parts loaded from their folders (owned: disposed with this model), refusing a
   * generator that was trained with another backbone or Mask-VAE. */
  static async fromFolders(dirs: DiffPromptPartDirs, config: DiffPromptConfigInput): Promise<DiffPrompt> {
    const parts = await loadParts(dirs);
    try {
      await parts.generator.checkParts({ conditioner: parts.backbone, vae: parts.vae });
      return await new DiffPrompt(parts, parseConfig(diffPromptConfigSchema, capped(config, parts.backbone), 'Diff-Prompt config'), dirs, true).built();
    } catch (error) {
      disposeParts(parts);
      throw error;
    }
  }

  /** A folder written by save(): its parts are loaded from the paths it records and checked by sha256. */
  static async load(dir: string): Promise<DiffPrompt> {
    const location = checkpointLocation(dir);
    const config = parseConfig(diffPromptConfigSchema, storedConfig(dir, KIND), `Diff-Prompt config in ${dir}`);
    const record = readPartsFile(location);
    const dirs = {} as DiffPromptPartDirs;
    for (const name of ['backbone', 'vae', 'generator'] as const) {
      const part = record[name];
      if (part.path === null) throw new DiffPromptError('ERR_CHECKPOINT', `${dir} was saved from a ${name} that had no folder: save the parts first, then build the model with DiffPrompt.fromFolders`);
      dirs[name] = path.resolve(location, part.path);
      const file = path.join(checkpointLocation(dirs[name]), WEIGHTS_FILE);
      if (!fs.existsSync(file)) throw new DiffPromptError('ERR_CHECKPOINT', `${dir} refers to the ${name} at ${dirs[name]}, which has no ${WEIGHTS_FILE}`);
      const weights = await matchesRecord(file, part.sha256);
      if (!weights.matches) throw new DiffPromptError('ERR_CHECKPOINT', `the ${name} at ${dirs[name]} is not the one ${dir} was tuned on (sha256 ${weights.digest}, expected ${part.sha256})`);
      if (part.emaSha256 !== undefined) {
        const ema = await matchesRecord(path.join(checkpointLocation(dirs[name]), EMA_FILE), part.emaSha256);
        if (!ema.matches)
          throw new DiffPromptError('ERR_CHECKPOINT', `the ${name} at ${dirs[name]} has other EMA weights than the one ${dir} was tuned on (sha256 ${ema.digest}, expected ${part.emaSha256})`);
      }
    }
    const model = await DiffPrompt.fromFolders(dirs, config);
    await model.restore(dir, false);
    return model;
  }

  /** Writes the adapters and parts.json: each frozen part's path relative to `dir` (when it was
   * loaded from a folder) and the sha256 of its weights (and of the generator's EMA weights). */
  override async save(dir: string, options: SaveOptions = {}): Promise<void> {
    // The parts' hashes are taken before the save holds this model: hashing an in-memory part runs
    // a job on it, and a composite job may hold that part while it waits for this model.
    const record = {} as PartsFile;
    for (const name of ['backbone', 'vae', 'generator'] as const) {
      const partDir = this.partDirs?.[name];
      record[name] = partDir
        ? { path: path.relative(path.resolve(dir), path.resolve(partDir)), sha256: await weightsDigest(path.join(checkpointLocation(partDir), WEIGHTS_FILE)) }
        : { path: null, sha256: await this.parts[name].weightsSha256() };
      if (name === 'generator' && partDir) record[name].emaSha256 = await weightsDigest(path.join(checkpointLocation(partDir), EMA_FILE));
    }
    this.partsRecord = record;
    await super.save(dir, options);
  }

  protected override async writeCompanionFiles(staging: string): Promise<void> {
    fs.writeFileSync(path.join(staging, PARTS_FILE), `${JSON.stringify(this.partsRecord, null, 2)}\n`);
  }

  /** Batches for the backbone (the conditioner reads the same when it is the backbone). */
  batchOptions(): BatchOptions {
    return this.parts.backbone.batchOptions();
  }

  /** Decoded masks → prompts → the frozen backbone's grounding loss, plus alignmentWeight times
   * the alignment term (default: the config's); AdamW on the adapters. A fresh x_T every step, as
   * the reference: per sample from `seeds` (stepSeeds), else from this model's generator. */
  trainStep(batch: Batch, options: { lr: number; alignmentWeight?: number; seeds?: readonly number[] }): Promise<DiffPromptLosses> {
    return this.withBatch(batch, true, options.seeds, (handle, native) => handle.trainStep(native, { lr: options.lr, alignmentWeight: options.alignmentWeight ?? this.config.alignmentWeight }));
  }

  /** Ranked boxes per expression in the model frame, each sample's x_T seeded by its id. */
  async predict(batch: Batch, options: PredictOptions = {}): Promise<ModelFrameBox[][]> {
    const { signal, ...decode } = options;
    const ranked = await this.withBatch(batch, false, this.evaluationSeeds(batch), (handle, native) =>
      runLongJob('Diff-Prompt prediction', { signal }, (cancel) => handle.predict(native, { ...decode, cancel })),
    );
    return ranked.map(({ boxes, scores }) => Array.from(scores, (score, k) => ({ box: [boxes[4 * k]!, boxes[4 * k + 1]!, boxes[4 * k + 2]!, boxes[4 * k + 3]!], score })));
  }

  /** The config's learning rate: what tunePrompts uses unless told otherwise. */
  get lr(): number {
    return this.config.lr;
  }

  /** Elements of the parameters that train (the adapters and the alignment heads). */
  trainableParameters(): number {
    return this.parameterCount({ trainableOnly: true });
  }

  /** The decoded masks each prompted layer reads: layers×B×1×S×S (layer 0 the clean sample). */
  async layerMasks(batch: Batch, options: { signal?: AbortSignal } = {}): Promise<Tensor> {
    return new Tensor(
      await this.withBatch(batch, false, this.evaluationSeeds(batch), (handle, native) => runLongJob('Diff-Prompt layer masks', options, (cancel) => handle.layerMasks(native, { cancel }))),
    );
  }

  override dispose(): void {
    super.dispose();
    if (this.ownsParts) disposeParts(this.parts);
  }

  /** Each sample's x_T when predicting: from its id alone, so a prediction does not depend on its batch. */
  private evaluationSeeds(batch: Batch): number[] {
    return batch.ids.map((id) => sampleSeed(id, this.config.seed ?? 0));
  }

  /** One job holding this model and its parts, with the batch (and, for evaluation, each sample's
   * seed from its id) as native tensors. */
  private withBatch<T>(batch: Batch, withBoxes: boolean, seeds: readonly number[] | undefined, call: (handle: NativeDiffPromptHandle, native: NativeDiffPromptBatch) => Promise<T>): Promise<T> {
    const { backbone, vae, generator } = this.parts;
    return withGroundingBatch(batch, { imageSize: backbone.config.imageSize, withBoxes, seeds }, (native) => NativeModel.together([this, backbone, vae, generator], () => call(this.handle, native)));
  }
}

function nativeHandleOf(model: NativeModel<NativeModelHandle, unknown>): NativeModelHandle {
  return (model as unknown as { handle: NativeModelHandle }).handle;
}

/** Depths beyond the backbone's layers are capped (a preset written for a deeper backbone still fits). */
function capped(config: DiffPromptConfigInput, backbone: GroundingModel): DiffPromptConfigInput {
  return {
    ...config,
    visualDepth: Math.min(config.visualDepth, backbone.config.visionDepth),
    textualDepth: Math.min(config.textualDepth, backbone.config.textLayers),
  };
}

async function loadParts(dirs: DiffPromptPartDirs): Promise<DiffPromptParts> {
  const loaded: NativeModel<NativeModelHandle, unknown>[] = [];
  try {
    const { model: backbone } = await GroundingModel.load(dirs.backbone);
    loaded.push(backbone);
    const { model: vae } = await MaskVae.load(dirs.vae);
    loaded.push(vae);
    const { model: generator } = await PromptGenerator.load(dirs.generator);
    return { backbone, vae, generator };
  } catch (error) {
    for (const model of loaded) model.dispose();
    throw error;
  }
}

function disposeParts(parts: DiffPromptParts): void {
  for (const model of [parts.backbone, parts.vae, parts.generator]) model.dispose();
}

function readPartsFile(location: string): PartsFile {
  const file = path.join(location, PARTS_FILE);
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as PartsFile;
    const valid = (['backbone', 'vae', 'generator'] as const).every(
      (name) => typeof record?.[name]?.sha256 === 'string' && (record[name].path === null || typeof record[name].path === 'string') && ['undefined', 'string'].includes(typeof record[name].emaSha256),
    );
    if (valid) return record;
  } catch {
    // reported below
  }
  throw new DiffPromptError('ERR_CHECKPOINT', `${file} is missing or not a valid record of the frozen parts ({ backbone, vae, generator }: { path, sha256 })`);
}
