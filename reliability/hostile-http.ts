// Hostile HTTP: malformed requests on raw sockets against `serve` (garbage bytes, broken request
// lines and headers, lying lengths, bad chunking, bodies of every form gone wrong). Each must be
// answered 4xx (or 200 when the mutation left a valid request), never 5xx, never left hanging,
// and the server must stay healthy.
import net from 'node:net';
import { encodePng } from '../lib/data/images/encode-png';
import { worldSample } from '../lib/data/world';
import { shippedParts } from '../lib/io/shipped-parts';
import { serve } from '../lib/serving/serve';
import type { Part, PartResult } from './part';

const HANG_MS = 45_000; // past the server's deadline (1 s here) and Node's header timeout check (30 s)
const AT_ONCE = 100;

type Random = (n: number) => number;

function seeded(seed: number): Random {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };
}

function randomBytes(random: Random, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => random(256)));
}

/** A request that asks the server to close after answering, so its close ends the exchange. */
function request(head: string[], body: Buffer | string = ''): Buffer {
  return Buffer.concat([Buffer.from(`${[...head, 'Connection: close'].join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
}

/** The i-th malformed request. */
function malformed(i: number, random: Random, png: Buffer): Buffer {
  const json = JSON.stringify({ image: png.toString('base64'), expression: 'the red circle' });
  const post = (type: string, body: Buffer | string, extra: string[] = []) =>
    request(['POST /v1/predict HTTP/1.1', 'Host: x', `Content-Type: ${type}`, `Content-Length: ${Buffer.byteLength(body)}`, ...extra], body);
  const mutate = (text: string | Buffer) => {
    const bytes = Buffer.from(text);
    for (let k = 0; k <= random(6); k++) bytes[random(bytes.length)] = random(256);
    return bytes;
  };
  switch (i % 16) {
    case 0:
      return randomBytes(random, 1 + random(2000));
    case 1:
      return request([`${['GET', 'POST', 'PUT', 'BREW', 'P0ST', ''][random(6)]} ${['/v1/predict', '*', '', '/%zz', 'http://[::1'][random(5)]} HTTP/${['1.1', '9.9', 'x', ''][random(4)]}`, 'Host: x']);
    case 2:
      return request(['GET /'.padEnd(20_000 + random(80_000), 'a') + ' HTTP/1.1', 'Host: x']);
    case 3:
      return request(['GET /healthz HTTP/1.1', 'Host: x', `X-Big: ${'b'.repeat(17_000 + random(50_000))}`]);
    case 4:
      return request(['POST /v1/predict HTTP/1.1', 'Host: x', 'Content-Type: application/json', `Content-Length: ${['-1', '1e3', 'abc', '99999999999999999999', '5, 6'][random(5)]}`], '{}');
    case 5:
      return request(['POST /v1/predict HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 10', 'Content-Length: 20'], '{}');
    case 6:
      return request(['POST /v1/predict HTTP/1.1', 'Host: x', 'Content-Type: application/json', `Content-Length: ${json.length + 1 + random(1000)}`], json.slice(0, random(json.length)));
    case 7:
      return request(
        ['POST /v1/predict HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Transfer-Encoding: chunked'],
        `${['zz', '-5', 'ffffffffffff', '3'][random(4)]}\r\n${'x'.repeat(random(20))}\r\n`,
      );
    case 8:
      return post('application/json', mutate(json));
    case 9:
      return post(
        'application/json',
        JSON.stringify([null, 1, 'x', { image: 5 }, { image: png.toString('base64'), expression: ['a'] }, { image: '', expression: '' }, { expression: 'x'.repeat(10_000), image: 'AA==' }][random(7)]),
      );
    case 10:
      return post('application/json', JSON.stringify({ image: mutate(png).toString('base64'), expression: 'the red circle', topK: [0, -1, 1.5, 'x', 1e9, null][random(6)] }));
    case 11: {
      const boundary = 'b0undary';
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="expression"\r\n\r\nthe circle\r\n--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n${png.toString('latin1')}\r\n--${boundary}--\r\n`;
      const broken = random(2) === 0 ? mutate(Buffer.from(body, 'latin1')) : Buffer.from(body, 'latin1').subarray(0, random(body.length));
      return post(`multipart/form-data; boundary=${random(3) === 0 ? 'other' : boundary}`, broken);
    }
    case 12:
      return post('multipart/form-data', randomBytes(random, random(3000)));
    case 13:
      return request(['POST /v1/predict?expression=the%20circle HTTP/1.1', 'Host: x', 'Content-Type: image/png', `Content-Length: ${png.length}`], mutate(png));
    case 14:
      return post(['text/plain', 'application/xml', '', 'image', 'multipart/mixed'][random(5)]!, randomBytes(random, random(500)));
    default:
      return post('image/png', randomBytes(random, 1 + random(4000)), [`X-Deadline-Ms: ${['0', '-3', 'abc', '1'][random(4)]}`]);
  }
}

/** Writes `bytes` and reads the answer's status until the server closes (0: closed without one, -1: hung). */
function exchange(port: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let head = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(-1);
    }, HANG_MS);
    const done = () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve(status ? Number(status[1]) : 0);
    };
    socket.on('data', (chunk: Buffer) => {
      if (head.length < 64) head += chunk.toString('latin1');
    });
    socket.on('error', () => undefined); // a reset is an answer too: the status read so far counts
    socket.on('close', done);
    socket.write(bytes);
  });
}

export const hostileHttp: Part = {
  name: 'hostile HTTP',
  async run(form): Promise<PartResult> {
    const count = form === 'long' ? 2000 : 1000;
    const failures: string[] = [];
    const png = await encodePng(worldSample({ seed: 0, split: 'val', family: 'source', count: 3, size: 64 }, 0).image.image);
    const running = await serve(shippedParts().backbone, { port: 0, deadlineMs: 1_000 });
    const port = Number(new URL(running.url).port);
    const statuses = new Map<number, number>();
    try {
      const random = seeded(20261204);
      const cases = Array.from({ length: count }, (_, i) => malformed(i, random, png));
      for (let start = 0; start < count; start += AT_ONCE) {
        const batch = cases.slice(start, start + AT_ONCE);
        const answers = await Promise.all(batch.map((bytes) => exchange(port, bytes)));
        answers.forEach((status, k) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          const i = start + k;
          if (status === -1) failures.push(`case ${i} (kind ${i % 16}) hung for ${HANG_MS} ms`);
          else if (status >= 500) failures.push(`case ${i} (kind ${i % 16}) was answered ${status}`);
        });
      }
      const health = await fetch(`${running.url}/healthz`);
      if (health.status !== 200) failures.push(`after the hostile requests /healthz answers ${health.status}`);
    } finally {
      await running.close();
    }
    const summary = [...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status === 0 ? 'closed' : status}: ${n}`)
      .join(', ');
    return { failures: failures.slice(0, 20), figures: { [`${count} malformed requests`]: `${summary}; no 5xx, no hang, healthy after` } };
  },
};
