// serve(dir): a servable folder (a backbone, a tuned Diff-Prompt or a baseline) behind HTTP, as
// `diff-prompt serve DIR` runs it.
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DiffPromptError } from '../errors';
import { GroundingPipeline } from './grounding-pipeline';
import { type GroundingServer, createGroundingServer } from './grounding-server';
import type { ServeOptionsInput } from './serve-options';

export interface RunningServer extends GroundingServer {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  pipeline: GroundingPipeline;
  /** shutdown(), then frees the model. */
  close(): Promise<void>;
}

export async function serve(dir: string, options: ServeOptionsInput = {}): Promise<RunningServer> {
  const pipeline = await GroundingPipeline.load(dir);
  try {
    const described = await pipeline.parts();
    const served = createGroundingServer(pipeline, { ...described, name: path.basename(path.resolve(dir)) }, options);
    await new Promise<void>((resolve, reject) => {
      const refuse = (error: NodeJS.ErrnoException) =>
        reject(new DiffPromptError('ERR_CONFIG', `cannot listen on ${served.options.host}:${served.options.port} (${error.code ?? error.message}): choose another port or host`));
      served.server.once('error', refuse);
      served.server.listen(served.options.port, served.options.host, () => {
        served.server.off('error', refuse);
        resolve();
      });
    });
    const address = served.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return Object.assign(served, {
      url: `http://${host}:${address.port}`,
      pipeline,
      async close() {
        await served.shutdown();
        await pipeline[Symbol.asyncDispose]();
      },
    });
  } catch (error) {
    pipeline.dispose();
    throw error;
  }
}
