// diff-prompt serve: the three body forms answer as predict() does; every limit and malformed
// request gets its status and error code; a full queue answers 503 with Retry-After; a deadline
// cancels; a Diff-Prompt folder answers with its masks; SIGTERM lets requests in flight finish.
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePng } from '../lib/data/images/encode-png';
import { worldSample } from '../lib/data/world';
import { shippedParts } from '../lib/io/shipped-parts';
import { DIFF_PROMPT_PRESETS } from '../lib/config/diff-prompt-config';
import { DiffPrompt } from '../lib/models/diff-prompt';
import type { GroundingPipeline } from '../lib/serving/grounding-pipeline';
import { createGroundingServer, type GroundingServer } from '../lib/serving/grounding-server';
import { serve, type RunningServer } from '../lib/serving/serve';
import type { ServeOptionsInput } from '../lib/serving/serve-options';
import { tempDir } from './support/temp-dir';

const test = suite('serving over HTTP');
const ROOT = path.join(__dirname, '..');
const sample = worldSample({ seed: 0, split: 'val', family: 'source', count: 12, size: 128 }, 1);
let png: Buffer;
let running: RunningServer;

async function listening(pipeline: GroundingPipeline, options: ServeOptionsInput): Promise<{ served: GroundingServer; url: string }> {
  const served = createGroundingServer(pipeline, { kind: 'grounding', name: 'test', parts: [] }, options);
  await new Promise<void>((resolve) => served.server.listen(0, '127.0.0.1', resolve));
  return { served, url: `http://127.0.0.1:${(served.server.address() as AddressInfo).port}` };
}

const json = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

test.before(async () => {
  png = await encodePng(sample.image.image);
  running = await serve(shippedParts().backbone, { port: 0 });
});

test.after(async () => {
  await running.close();
});

test('multipart, raw bytes and base64 JSON answer with the boxes predict() gives', async () => {
  const expected = JSON.parse(JSON.stringify(await running.pipeline.predict(png, sample.expression, { topK: 3 })));
  assert.ok(expected.length > 0);
  const form = new FormData();
  form.append('expression', sample.expression);
  form.append('topK', '3');
  form.append('image', new Blob([png], { type: 'image/png' }), 'scene.png');
  const answers = await Promise.all([
    fetch(`${running.url}/v1/predict`, { method: 'POST', body: form }),
    fetch(`${running.url}/v1/predict?topK=3&expression=${encodeURIComponent(sample.expression)}`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png }),
    json(running.url, { image: png.toString('base64'), expression: sample.expression, topK: 3 }),
    json(running.url, { image: `data:image/png;base64,${png.toString('base64')}`, expression: sample.expression, topK: 3 }),
  ]);
  for (const answer of answers) {
    assert.is(answer.status, 200);
    assert.equal(((await answer.json()) as { boxes: unknown }).boxes, expected);
  }
});

test('health, the model and its parts, the page and its scenes', async () => {
  assert.equal(await (await fetch(`${running.url}/healthz`)).json(), { status: 'ok', inFlight: 0, queueCap: 1024 });
  const model = (await (await fetch(`${running.url}/v1/model`)).json()) as { kind: string; name: string; parts: Array<{ role: string; weightsSha256: string }>; generatesMasks: boolean };
  assert.equal([model.kind, model.name, model.generatesMasks], ['grounding', 'grounding-tiny', false]);
  assert.equal(model.parts, [{ role: 'backbone', weightsSha256: await running.pipeline.parts().then((p) => p.parts[0]!.weightsSha256) }]);
  assert.match(model.parts[0]!.weightsSha256, /^[0-9a-f]{64}$/);
  const page = await fetch(`${running.url}/`);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /<label for="expression">/);
  const scenes = (await (await fetch(`${running.url}/v1/scenes`)).json()) as Array<{ expression: string; image: string }>;
  assert.ok(scenes.length >= 3 && scenes.every((scene) => scene.image.startsWith('data:image/png;base64,') && scene.expression.length > 0));
});

test('each limit and malformed request is answered with its status and code', async () => {
  const { served, url } = await listening(running.pipeline, { maxBodyBytes: 64 * 1024, maxImagePixels: 200 * 200, maxExpressionLength: 40 });
  try {
    const big = await encodePng(worldSample({ seed: 0, split: 'val', family: 'source', count: 3, size: 256 }, 0).image.image);
    const cases: Array<[string, () => Promise<Response>, number, string]> = [
      ['a body over the limit', () => json(url, { image: Buffer.alloc(100_000).toString('base64'), expression: 'x' }), 413, 'ERR_LIMIT'],
      ['an image over the pixel limit', () => json(url, { image: big.toString('base64'), expression: 'the circle' }), 413, 'ERR_LIMIT'],
      ['an expression over the limit', () => json(url, { image: png.toString('base64'), expression: 'the circle '.repeat(10) }), 413, 'ERR_LIMIT'],
      ['no JSON', () => json(url, '{"image": '), 400, 'ERR_DATA'],
      ['a JSON array', () => json(url, '[1, 2]'), 400, 'ERR_DATA'],
      ['no expression', () => json(url, { image: png.toString('base64') }), 400, 'ERR_DATA'],
      ['no image', () => json(url, { expression: 'the circle' }), 400, 'ERR_DATA'],
      ['an image that is not base64', () => json(url, { image: '%%%', expression: 'the circle' }), 400, 'ERR_DATA'],
      ['bytes that are not an image', () => json(url, { image: Buffer.from('not an image').toString('base64'), expression: 'the circle' }), 400, 'ERR_DATA'],
      ['a topK out of range', () => json(url, { image: png.toString('base64'), expression: 'the circle', topK: 1000 }), 400, 'ERR_CONFIG'],
      ['an unknown content type', () => fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }), 415, 'ERR_DATA'],
      ['a broken multipart body', () => fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' }), 400, 'ERR_DATA'],
      [
        'a multipart body cut inside its file',
        () =>
          fetch(`${url}/v1/predict`, {
            method: 'POST',
            headers: { 'content-type': 'multipart/form-data; boundary=cut' },
            body: Buffer.concat([Buffer.from('--cut\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n'), png.subarray(0, 100)]),
          }),
        400,
        'ERR_DATA',
      ],
      ['GET on the predict route', () => fetch(`${url}/v1/predict`), 405, 'ERR_DATA'],
      ['an unknown route', () => fetch(`${url}/v2/anything`), 404, 'ERR_DATA'],
    ];
    for (const [what, send, status, code] of cases) {
      const answer = await send();
      const body = (await answer.json()) as { code: string; error: string };
      assert.is(answer.status, status, what);
      assert.is(body.code, code, what);
      assert.ok(body.error.length > 10, what);
    }
    assert.is(served.inFlight, 0);
  } finally {
    await served.shutdown();
  }
});

test('past the queue cap the excess is answered 503 with Retry-After, the rest as usual', async () => {
  const { served, url } = await listening(running.pipeline, { queueCap: 3, concurrency: 1 });
  try {
    const answers = await Promise.all(Array.from({ length: 30 }, () => json(url, { image: png.toString('base64'), expression: sample.expression })));
    const statuses = answers.map((answer) => answer.status);
    assert.ok(
      statuses.every((status) => status === 200 || status === 503),
      statuses.join(),
    );
    assert.ok(statuses.filter((status) => status === 200).length >= 3);
    const refused = answers.find((answer) => answer.status === 503)!;
    assert.ok(refused, 'some requests are refused');
    assert.is(refused.headers.get('retry-after'), '1');
    assert.is(((await refused.json()) as { code: string }).code, 'ERR_LIMIT');
  } finally {
    await served.shutdown();
  }
});

test('a deadline cancels the request: 408 ERR_ABORTED', async () => {
  const answer = await json(running.url, { image: png.toString('base64'), expression: sample.expression }, { 'x-deadline-ms': '1' });
  assert.is(answer.status, 408);
  assert.is(((await answer.json()) as { code: string }).code, 'ERR_ABORTED');
});

test('a Diff-Prompt folder answers with its generated mask and, when asked, the trajectory', async () => {
  const dir = path.join(tempDir(), 'diff-prompt');
  {
    using model = await DiffPrompt.fromFolders(shippedParts(), { ...DIFF_PROMPT_PRESETS.tiny, seed: 0 });
    await model.save(dir);
  }
  const server = await serve(dir, { port: 0 });
  try {
    const expected = JSON.parse(JSON.stringify(await server.pipeline.predict(png, sample.expression)));
    const answer = await json(server.url, { image: png.toString('base64'), expression: sample.expression, trajectory: true });
    const body = (await answer.json()) as { boxes: unknown; mask: string; trajectory: string[]; maskSize: { width: number; height: number } };
    assert.is(answer.status, 200);
    assert.equal(body.boxes, expected);
    assert.match(body.mask, /^data:image\/png;base64,/);
    assert.is(body.trajectory.length, DIFF_PROMPT_PRESETS.tiny.visualDepth);
    assert.is(body.trajectory.at(-1), body.mask);
    assert.ok(body.maskSize.width > 0 && body.maskSize.height > 0);
    const model = (await (await fetch(`${server.url}/v1/model`)).json()) as { kind: string; parts: Array<{ role: string }>; generatesMasks: boolean };
    assert.equal([model.kind, model.generatesMasks, model.parts.map((part) => part.role)], ['diff-prompt', true, ['prompt adapters', 'backbone', 'mask-vae', 'generator']]);
  } finally {
    await server.close();
  }
});

test('shutdown finishes the requests in flight and refuses new ones', async () => {
  const { served, url } = await listening(running.pipeline, { concurrency: 1 });
  const inFlight = Array.from({ length: 6 }, () => json(url, { image: png.toString('base64'), expression: sample.expression }));
  while (served.inFlight < 6) await new Promise((resolve) => setTimeout(resolve, 5));
  const closed = served.shutdown();
  const health = await fetch(`${url}/healthz`).catch(() => undefined);
  if (health) assert.is(health.status, 503);
  for (const answer of await Promise.all(inFlight)) assert.is(answer.status, 200);
  await closed;
  const refused = await fetch(`${url}/healthz`).then(
    () => false,
    () => true,
  );
  assert.ok(refused, 'a closed server takes no connection');
});

test('diff-prompt serve exits 0 on SIGTERM after answering the request in flight', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'lib/cli/main.ts'), 'serve', shippedParts().backbone, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const found = /at (http:\/\/\S+)\//.exec(output);
      if (found) resolve(found[1]!);
    });
    child.on('exit', () => reject(new Error(`serve exited early: ${output}`)));
  });
  const pending = json(url, { image: png.toString('base64'), expression: sample.expression });
  await new Promise((resolve) => setTimeout(resolve, 20));
  child.kill('SIGTERM');
  assert.is((await pending).status, 200);
  assert.is(await exited, 0);
});

test.run();
