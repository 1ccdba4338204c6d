// What every model class shares: a native handle whose calls run in order, parameter names and
// counts, dispose, and saving/loading the checkpoint folder (weights, and with `training: true`
// the optimizer moments, the model's random generator and the caller's loop state).
import fs from 'node:fs';
import path from 'node:path';
import { DiffPromptError } from '../errors';
import {
  OPTIMIZER_FILE,
  STATE_FILE,
  WEIGHTS_FILE,
  checkWeightsMetadata,
  checkpointLocation,
  readCheckpointManifest,
  weightsMetadata,
  writeCheckpointFolder,
  writeJsonAtomically,
} from '../io/checkpoint-folder';
import type { NativeLoadReport, NativeModelHandle, NativeParameterInfo } from '../native-api';
import { SerialQueue } from '../serial-queue';

/** What state.json holds: the model's generator and whatever the training loop keeps
 * (step, epoch, data order, best score, ...). */
export interface TrainingState {
  rng: string; // base64 of the generator state
  loop: Record<string, unknown>;
}

export interface SaveOptions {
  /** Also save the optimizer, the generator and `loop` (for an exact resume). */
  training?: boolean;
  loop?: object;
}

let modelsMade = 0;

export abstract class NativeModel<Handle extends NativeModelHandle, Config> {
  private readonly queue = new SerialQueue();
  /** Fixes the order in which `together` takes several models' queues, so two composite calls never wait on each other. */
  private readonly serial = ++modelsMade;

  protected constructor(
    protected readonly handle: Handle,
    readonly config: Config,
    readonly kind: string,
  ) {}

  /** Makes the native model on the compute thread (its weights are drawn there, never on the
   * event loop); every factory awaits it before handing the model out. A config the native side
   * refuses disposes the handle and rejects. */
  protected async built(): Promise<this> {
    try {
      await this.handle.built();
      return this;
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** Runs a native call after every earlier call on this model has settled. */
  protected run<T>(call: (handle: Handle) => Promise<T>): Promise<T> {
    return this.queue.run(() => call(this.handle));
  }

  /** Runs a native call that reads several models (a composite job) once each of them is free,
   * and keeps each of them from other calls until it settles. */
  protected static together<T>(models: readonly NativeModel<NativeModelHandle, unknown>[], call: (handles: NativeModelHandle[]) => Promise<T>): Promise<T> {
    const ordered = [...new Set(models)].sort((a, b) => a.serial - b.serial);
    const enter = (i: number): Promise<T> => (i === ordered.length ? call(models.map((model) => model.handle)) : ordered[i]!.queue.run(() => enter(i + 1)));
    return enter(0);
  }

  /** sha256 (hex) of the weights as this model saves them in model.safetensors (weightsDigest: the
   * tensors, not the metadata), digested natively in memory: what a folder that depends on this model records, and checks on loading. */
  weightsSha256(): Promise<string> {
    return this.run((handle) => handle.weightsDigest());
  }

  /** Number of parameter elements (buffers excluded). */
  parameterCount(options: { trainableOnly?: boolean } = {}): number {
    return this.handle.parameterCount(options);
  }

  /** Every parameter's name (as in the published model), shape, dtype and whether it trains. */
  parameters(): NativeParameterInfo[] {
    return this.handle.parameters();
  }

  get disposed(): boolean {
    return this.handle.isDisposed();
  }

  /** Frees the weights once running calls finish; later calls fail with ERR_DISPOSED. */
  dispose(): void {
    this.handle.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.queue.drain();
    this.dispose();
  }

  /** The state of the model's own random generator (libtorch's CPU generator, as bytes). */
  rngState(): Promise<Uint8Array> {
    return this.run((handle) => handle.rngState());
  }

  setRngState(state: Uint8Array): Promise<void> {
    return this.run((handle) => handle.setRngState(state));
  }

  /** Loads weights by parameter name from any safetensors file (e.g. published weights).
   * With `strict` (default) a missing or unexpected name is ERR_CHECKPOINT; without it they are
   * reported. A shape mismatch is always ERR_CHECKPOINT, and a failed load changes nothing. */
  loadWeights(file: string, options: { strict?: boolean } = {}): Promise<NativeLoadReport> {
    return this.run((handle) => handle.loadWeights(file, options.strict ?? true));
  }

  /** Writes the checkpoint folder `dir` (replacing an older one only once the new one is whole). */
  save(dir: string, options: SaveOptions = {}): Promise<void> {
    return this.run(async (handle) => {
      await writeCheckpointFolder(dir, { kind: this.kind, config: this.config }, async (staging) => {
        await handle.saveWeights(path.join(staging, WEIGHTS_FILE), weightsMetadata(this.kind, this.config));
        await this.writeCompanionFiles(staging, handle, options.training ?? false);
        if (!options.training) return;
        await handle.saveOptimizer(path.join(staging, OPTIMIZER_FILE));
        const state: TrainingState = {
          rng: Buffer.from(await handle.rngState()).toString('base64'),
          loop: { ...options.loop },
        };
        await writeJsonAtomically(path.join(staging, STATE_FILE), state);
      });
    });
  }

  /** Files a model keeps beside its weights (a tokenizer's vocab.txt, EMA weights), written into
   * the staging folder; `handle` is this model's, already inside its queue. */
  protected async writeCompanionFiles(_staging: string, _handle: Handle, _training: boolean): Promise<void> {}

  /** Reads what writeCompanionFiles wrote (after the weights loaded), from the checkpoint folder. */
  protected async readCompanionFiles(_location: string, _handle: Handle, _training: boolean): Promise<void> {}

  /** Loads weights (and with `training`, the optimizer and generator) from a checkpoint folder
   * into this freshly made model; returns the loop state saved with it, if any. A model that could
   * not be restored is disposed before the error reaches the caller (the load functions' contract). */
  protected async restore(dir: string, training: boolean): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.restoreFrom(dir, training);
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  private restoreFrom(dir: string, training: boolean): Promise<Record<string, unknown> | undefined> {
    return this.run(async (handle) => {
      const location = checkpointLocation(dir);
      const manifest = readCheckpointManifest(location, this.kind);
      const weightsFile = path.join(location, WEIGHTS_FILE);
      const report = await handle.loadWeights(weightsFile, true);
      checkWeightsMetadata(weightsFile, report.metadata, manifest);
      await this.readCompanionFiles(location, handle, training);
      if (!training) return undefined;
      const stateFile = path.join(location, STATE_FILE);
      if (!fs.existsSync(stateFile)) {
        throw new DiffPromptError('ERR_CHECKPOINT', `${location} holds no training state (${STATE_FILE}): it was saved without training: true`);
      }
      let state: TrainingState;
      try {
        state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as TrainingState;
      } catch (error) {
        throw new DiffPromptError('ERR_CHECKPOINT', `${stateFile} is not readable JSON (${(error as Error).message})`);
      }
      if (fs.existsSync(path.join(location, OPTIMIZER_FILE))) await handle.loadOptimizer(path.join(location, OPTIMIZER_FILE));
      await handle.setRngState(new Uint8Array(Buffer.from(String(state.rng), 'base64')));
      return state.loop ?? {};
    });
  }
}

/** The config stored in a checkpoint folder, for `load` to build the model before restoring. */
export function storedConfig(dir: string, kind: string): unknown {
  return readCheckpointManifest(checkpointLocation(dir), kind).config;
}
