// Mlp: a small multi-layer perceptron trained by regression. The first model through the whole
// path (TypeScript → N-API → libtorch → checkpoint folder) and a compact example of the
// pattern every model class follows.
import { parseConfig } from '../config/parse-config';
import { type MlpConfig, type MlpConfigInput, mlpConfigSchema } from '../config/mlp-config';
import { type LongJobOptions, runLongJob } from '../long-job';
import { native } from '../native';
import type { NativeMlpHandle } from '../native-api';
import { Tensor } from '../tensor';
import { NativeModel, storedConfig } from './native-model';

const KIND = 'mlp';

export interface FitOptions extends LongJobOptions {
  steps: number;
}

export class Mlp extends NativeModel<NativeMlpHandle, MlpConfig> {
  private constructor(config: MlpConfig) {
    super(new (native().NativeMlp)(config), config, KIND);
  }

  static create(config: MlpConfigInput): Promise<Mlp> {
    return new Mlp(parseConfig(mlpConfigSchema, config, 'MLP config')).built();
  }

  /** A model from a checkpoint folder; with `training: true` also its optimizer and generator,
   * ready to continue exactly where it was saved. */
  static async load(dir: string, options: { training?: boolean } = {}): Promise<{ model: Mlp; loop?: Record<string, unknown> }> {
    const model = await new Mlp(parseConfig(mlpConfigSchema, storedConfig(dir, KIND), `MLP config in ${dir}`)).built();
    return { model, loop: await model.restore(dir, options.training ?? false) };
  }

  /** x: B×inputSize float32 → B×outputSize. */
  async predict(x: Tensor): Promise<Tensor> {
    return new Tensor(await this.run((handle) => handle.predict(x.handle)));
  }

  /** One Adam step on MSE(predict(x), y); resolves with the loss before the step. */
  trainStep(x: Tensor, y: Tensor): Promise<number> {
    return this.run((handle) => handle.trainStep(x.handle, y.handle));
  }

  /** `steps` train steps in one native job: cancellable by `signal` between steps, with
   * `onProgress` after each; resolves with every step's loss. */
  fit(x: Tensor, y: Tensor, options: FitOptions): Promise<Float64Array> {
    return this.run(() => runLongJob('MLP training', options, (cancel, onProgress) => this.handle.fit(x.handle, y.handle, options.steps, cancel, onProgress)));
  }
}
