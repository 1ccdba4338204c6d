// Load: N concurrent requests against `serve` on loopback (the client in a process of its own):
// every one answered, each answer equal to a sequential predict() of the same request; latency
// percentiles and throughput; with a cap of 8, the excess refused with 503 and Retry-After; the
// server's event-loop delay (monitorEventLoopDelay) p99 under 50 ms while serving and while training.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { groundingPreset } from '../lib/config/grounding-config';
import { makeBatch } from '../lib/data/batching';
import { encodePng } from '../lib/data/images/encode-png';
import { worldSample } from '../lib/data/world';
import { shippedParts } from '../lib/io/shipped-parts';
import { GroundingModel } from '../lib/models/grounding-model';
import type { GroundedBox } from '../lib/serving/grounding-pipeline';
import { createGroundingServer } from '../lib/serving/grounding-server';
import { serve } from '../lib/serving/serve';
import type { LoadAnswer } from './load-client';
import { type Part, type PartResult, percentile } from './part';

const DISTINCT = 20;
const DELAY_BOUND_MS = 50;

/** Runs `work` while sampling the event loop's delay; returns its p99 in ms. */
async function delayWhile(work: () => Promise<void>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    await work();
  } finally {
    histogram.disable();
  }
  return histogram.percentile(99) / 1e6;
}

export const load: Part = {
  name: 'load',
  async run(form): Promise<PartResult> {
    const count = form === 'long' ? 1000 : 300;
    const failures: string[] = [];
    const figures: Record<string, string> = {};
    const running = await serve(shippedParts().backbone, { port: 0 });
    try {
      const distinct = await Promise.all(
        Array.from({ length: DISTINCT }, async (_, i) => {
          const sample = worldSample({ seed: 7, split: 'val', family: 'both', count: DISTINCT, size: 128 }, i);
          return { image: (await encodePng(sample.image.image)).toString('base64'), expression: sample.expression };
        }),
      );
      const expected: GroundedBox[][] = [];
      for (const request of distinct) expected.push(JSON.parse(JSON.stringify(await running.pipeline.predict(Buffer.from(request.image, 'base64'), request.expression))));
      const requests = Array.from({ length: count }, (_, i) => distinct[i % DISTINCT]!);

      let result: { answers: LoadAnswer[]; seconds: number } | undefined;
      const servingDelay = await delayWhile(async () => {
        result = await clientAsync(running.url, requests);
      });
      const { answers, seconds } = result!;
      const wrong = answers.filter((answer, i) => answer.status !== 200 || JSON.stringify((answer.body as { boxes?: unknown }).boxes) !== JSON.stringify(expected[i % DISTINCT]));
      if (wrong.length > 0)
        failures.push(`${wrong.length} of ${count} concurrent answers differ from sequential predict() (first: status ${wrong[0]!.status} ${JSON.stringify(wrong[0]!.body).slice(0, 200)})`);
      const latencies = answers.map((answer) => answer.ms);
      figures[`${count} concurrent requests`] = `all answered, ${count - wrong.length} equal to sequential predict()`;
      figures['latency p50 / p99'] = `${percentile(latencies, 50).toFixed(0)} / ${percentile(latencies, 99).toFixed(0)} ms`;
      figures.throughput = `${(count / seconds).toFixed(1)} requests/s`;
      figures['event-loop delay p99 while serving'] = `${servingDelay.toFixed(1)} ms`;
      if (!(servingDelay < DELAY_BOUND_MS)) failures.push(`the event loop's delay reached ${servingDelay.toFixed(1)} ms p99 while serving (bound ${DELAY_BOUND_MS})`);

      const capped = createGroundingServer(running.pipeline, { kind: 'grounding', name: 'capped', parts: [] }, { queueCap: 8 });
      await new Promise<void>((resolve) => capped.server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (capped.server.address() as { port: number }).port;
        const { answers: cappedAnswers } = await clientAsync(`http://127.0.0.1:${port}`, requests);
        const served = cappedAnswers.filter((answer) => answer.status === 200);
        const refused = cappedAnswers.filter((answer) => answer.status === 503);
        const other = cappedAnswers.filter((answer) => answer.status !== 200 && answer.status !== 503);
        const wrongServed = cappedAnswers.filter((answer, i) => answer.status === 200 && JSON.stringify((answer.body as { boxes?: unknown }).boxes) !== JSON.stringify(expected[i % DISTINCT]));
        figures[`cap 8, ${count} concurrent`] = `${served.length} answered, ${refused.length} refused with 503`;
        if (other.length > 0) failures.push(`with cap 8, ${other.length} answers were neither 200 nor 503 (first ${other[0]!.status})`);
        if (refused.length === 0 || served.length < 8) failures.push(`with cap 8, ${served.length} answered and ${refused.length} refused: the excess must be refused`);
        if (refused.some((answer) => answer.retryAfter === null || (answer.body as { code?: string }).code !== 'ERR_LIMIT')) failures.push('a 503 without Retry-After or ERR_LIMIT');
        if (wrongServed.length > 0) failures.push(`with cap 8, ${wrongServed.length} answers differ from predict()`);
      } finally {
        await capped.shutdown();
      }
    } finally {
      await running.close();
    }

    const trainingDelay = await delayWhile(async () => {
      await using model = await GroundingModel.create(groundingPreset('tiny'));
      const samples = Array.from({ length: 16 }, (_, i) => worldSample({ seed: 0, split: 'train', family: 'source', count: 16, size: model.config.imageSize }, i));
      const batch = await makeBatch(samples, model.batchOptions());
      for (let step = 0; step < (form === 'long' ? 40 : 10); step++) await model.trainStep(batch, { lr: 1e-4 });
    });
    figures['event-loop delay p99 while training'] = `${trainingDelay.toFixed(1)} ms`;
    if (!(trainingDelay < DELAY_BOUND_MS)) failures.push(`the event loop's delay reached ${trainingDelay.toFixed(1)} ms p99 while training (bound ${DELAY_BOUND_MS})`);
    return { failures, figures };
  },
};

/** Runs the client in a process of its own (this one only serves) and reads its answers. */
function clientAsync(url: string, requests: unknown[]): Promise<{ answers: LoadAnswer[]; seconds: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-prompt-load-'));
  fs.writeFileSync(path.join(dir, 'requests.json'), JSON.stringify(requests));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'load-client.ts'), url, path.join(dir, 'requests.json'), path.join(dir, 'answers.json')], { stdio: 'inherit' });
    child.on('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`the load client exited with ${code}`);
        resolve(JSON.parse(fs.readFileSync(path.join(dir, 'answers.json'), 'utf8')));
      } catch (error) {
        reject(error);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
