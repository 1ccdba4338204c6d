// Serving: GroundingPipeline.predict on paths, encoded bytes and ImageData gives boxes in the
// input image's pixels; the HTTP server answers 100 concurrent requests exactly as sequential
// predict() calls do.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeBatch } from '../lib/data/batching';
import { writeSafetensors } from '../lib/io/safetensors';
import { GroundingModel } from '../lib/models/grounding-model';
import { Tensor } from '../lib/tensor';
import { type GroundedBox, GroundingPipeline } from '../lib/serving/grounding-pipeline';
import { createGroundingServer } from '../lib/serving/grounding-server';
import { expectError } from './support/expect-error';
import { SMALL_GROUNDING, worldSamples } from './support/grounding-fixtures';
import { tempDir } from './support/temp-dir';

const test = suite('grounding pipeline');
const dir = tempDir();
const modelDir = path.join(dir, 'model');
const samples = worldSamples({ split: 'val', family: 'both', count: 10 });

/** The sample's 32×32 picture stretched to 96×64, as PNG bytes. */
async function widePng(index: number): Promise<Buffer> {
  const { image } = samples[index]!.image;
  return sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(96, 64, { kernel: 'nearest' })
    .png()
    .toBuffer();
}

test('setup: a small model folder whose token prior is ½, so that it predicts boxes above the 0.05 threshold', async () => {
  using model = await GroundingModel.create(SMALL_GROUNDING);
  using bias0 = Tensor.from(Float32Array.from([0]), [1]);
  const file = path.join(dir, 'bias0.safetensors');
  await writeSafetensors(file, { 'head.bias0': bias0 });
  await model.loadWeights(file, { strict: false });
  await model.save(modelDir);
});

test('path, Buffer and ImageData give the same boxes, in the input image pixels', async () => {
  await using pipeline = await GroundingPipeline.load(modelDir);
  const png = await widePng(0);
  const file = path.join(dir, 'wide.png');
  fs.writeFileSync(file, png);
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const expression = samples[0]!.expression;
  const fromPath = await pipeline.predict(file, expression, { topK: 5, scoreThreshold: 0 });
  assert.is(fromPath.length, 5);
  assert.equal(await pipeline.predict(png, expression, { topK: 5, scoreThreshold: 0 }), fromPath);
  assert.equal(await pipeline.predict({ width: info.width, height: info.height, data: new Uint8ClampedArray(data) }, expression, { topK: 5, scoreThreshold: 0 }), fromPath);
  // The model sees the picture stretched to 32×32: its boxes scale by 3 across and 2 down.
  const sample = { id: 'wide', imageId: 'wide', image: { kind: 'file' as const, path: file }, width: 96, height: 64, expression, box: [0, 0, 96, 64] as [number, number, number, number] };
  const batch = await makeBatch([sample], pipeline.model.batchOptions());
  const [modelFrame] = await pipeline.model.predict(batch, { topK: 5, scoreThreshold: 0 });
  modelFrame!.forEach(({ box: [x0, y0, x1, y1], score }, k) => {
    assert.is(fromPath[k]!.score, score, `rank ${k} score`);
    const expected = [3 * x0, 2 * y0, 3 * (x1 - x0), 2 * (y1 - y0)];
    fromPath[k]!.box.forEach((v, j) => assert.ok(Math.abs(v - expected[j]!) < 1e-3, `rank ${k}: ${fromPath[k]!.box} vs ${expected}`));
  });
  await expectError('ERR_DATA', () => pipeline.predict(path.join(dir, 'missing.png'), expression));
  await expectError('ERR_DATA', () => pipeline.predict(png, '  '));
  await expectError('ERR_DATA', () => pipeline.predict({ width: 2, height: 2, data: new Uint8ClampedArray(3) }, expression));
});

function post(port: number, body: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/predict', headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    request.on('error', reject);
    request.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

test('the server answers 100 concurrent requests as sequential predict() calls do', async () => {
  await using pipeline = await GroundingPipeline.load(modelDir);
  const images = await Promise.all(samples.map((_, i) => widePng(i)));
  // Every fifth request leaves topK out: the server and predict() both default to 10.
  const requests = Array.from({ length: 100 }, (_, i) => ({ image: images[i % 10]!, expression: samples[(i * 3) % 10]!.expression, topK: i % 5 === 0 ? undefined : 1 + (i % 4) }));
  const sequential: GroundedBox[][] = [];
  for (const r of requests) sequential.push(await pipeline.predict(r.image, r.expression, r.topK === undefined ? {} : { topK: r.topK }));
  assert.ok(sequential[0]!.length > 0 && sequential[0]!.length <= 10);
  const { server } = createGroundingServer(pipeline, { kind: 'grounding', name: 'model', parts: [] });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const answers = await Promise.all(requests.map((r) => post(port, { image: r.image.toString('base64'), expression: r.expression, topK: r.topK })));
    answers.forEach((answer, i) => {
      assert.is(answer.status, 200);
      assert.equal((answer.json as { boxes: unknown }).boxes, JSON.parse(JSON.stringify(sequential[i])), `request ${i}`);
    });
    const bad = await post(port, 'not json');
    assert.is(bad.status, 400);
    const undecodable = await post(port, { image: Buffer.from('nope').toString('base64'), expression: 'the red shape' });
    assert.is(undecodable.status, 400);
    assert.is((undecodable.json as { code: string }).code, 'ERR_DATA');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test.run();
