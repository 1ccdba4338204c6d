// A grounding service on Node's own http module:
//   npx tsx examples/server.ts [MODEL_DIR] [PORT]
//   curl -s localhost:8080/predict -d '{"image": "<base64 JPEG or PNG>", "expression": "the red circle", "topK": 3}'
// → [{"box": [x, y, w, h], "score": 0.93}, ...] in the image's pixels. Requests run concurrently;
// the model serves them one after another on its own thread, never on the event loop.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GroundingPipeline, isDiffPromptError } from '../lib';

const MAX_BODY_BYTES = 20 * 1024 * 1024;
const CLIENT_ERRORS = new Set(['ERR_DATA', 'ERR_SHAPE', 'ERR_DTYPE', 'ERR_CONFIG']);

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error(`the body is over ${MAX_BODY_BYTES} bytes`), { status: 413 }));
        request.destroy(); // stop reading the rest of the upload
      } else {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** POST /predict { image: base64, expression, topK? } → ranked boxes. */
export function createGroundingServer(pipeline: GroundingPipeline): http.Server {
  return http.createServer(async (request, response) => {
    if (request.method !== 'POST' || request.url !== '/predict') return send(response, 404, { error: 'POST /predict' });
    try {
      const body = JSON.parse(await readBody(request)) as { image?: unknown; expression?: unknown; topK?: unknown };
      if (typeof body.image !== 'string' || typeof body.expression !== 'string') {
        return send(response, 400, { code: 'ERR_DATA', error: 'the body must be JSON { "image": base64 string, "expression": string, "topK"?: number }' });
      }
      const topK = typeof body.topK === 'number' ? body.topK : undefined;
      send(response, 200, await pipeline.predict(Buffer.from(body.image, 'base64'), body.expression, { topK }));
    } catch (error) {
      if (error instanceof SyntaxError) return send(response, 400, { code: 'ERR_DATA', error: `the body is not JSON: ${error.message}` });
      // The request's fault (bad image, expression or shape): 400; the server's (disposed model, libtorch): 500.
      if (isDiffPromptError(error)) return send(response, CLIENT_ERRORS.has(error.code) ? 400 : 500, { code: error.code, error: error.message });
      const status = (error as { status?: number }).status ?? 500;
      send(response, status, { error: (error as Error).message });
    }
  });
}

async function main(): Promise<void> {
  const [dir = 'pretrained/grounding-tiny', port = '8080'] = process.argv.slice(2);
  const pipeline = await GroundingPipeline.load(dir);
  const server = createGroundingServer(pipeline).listen(Number(port), () => {
    console.log(`grounding ${dir} on http://localhost:${(server.address() as AddressInfo).port}/predict`);
  });
  process.once('SIGINT', () => server.close(() => pipeline.dispose()));
}

if (require.main === module) void main();
