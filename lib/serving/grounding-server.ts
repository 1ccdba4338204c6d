// The HTTP face of a GroundingPipeline, on Node's own http module (the routes are few and every
// limit is ours to enforce at the socket, which a framework would only wrap):
//   POST /v1/predict   an image and an expression → ranked boxes in the image's pixels (+ masks)
//   GET  /healthz      200 while serving, 503 once shutting down
//   GET  /v1/model     what is loaded: its kind, parts and weight digests, and the limits
//   GET  /v1/scenes    the page's built-in scenes
//   GET  /             the page
// Errors are JSON { code, error } with the package's error codes.
import http from 'node:http';
import { DiffPromptError } from '../errors';
import { greyUri } from '../pictures/png-data-uri';
import { AdmissionGate } from './admission-gate';
import { type BuiltInScene, builtInScenes } from './built-in-scenes';
import type { GroundingPipeline } from './grounding-pipeline';
import { PAGE_CSS, PAGE_HTML, PAGE_SCRIPT } from './page-assets';
import { readPredictRequest } from './predict-request';
import { RequestError, statusOf } from './request-error';
import { type ServeOptions, type ServeOptionsInput, resolveServeOptions } from './serve-options';

/** What GET /v1/model reports besides the limits. */
export interface ServedModelInfo {
  kind: string;
  name: string;
  parts: Array<{ role: string; weightsSha256: string }>;
}

export interface GroundingServer {
  server: http.Server;
  options: ServeOptions;
  /** Requests admitted now (waiting or running). */
  readonly inFlight: number;
  /** Stops taking requests (503 from then on), lets those admitted finish within the grace
   * period, then closes every socket. Resolves once the server is closed. */
  shutdown(): Promise<void>;
}

/** A client must send its request's headers within this (Node refuses a request timeout below it). */
const HEADERS_TIMEOUT_MS = 10_000;

const PAGE_HEADERS = { 'content-security-policy': "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' data:; object-src 'none'", 'x-content-type-options': 'nosniff' };

function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  response.end(text);
}

function sendError(response: http.ServerResponse, error: unknown): void {
  const status = statusOf(error);
  const code = error instanceof DiffPromptError ? error.code : 'ERR_INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  sendJson(response, status, { code, error: message }, error instanceof RequestError ? error.headers : {});
}

function sendText(response: http.ServerResponse, type: string, text: string): void {
  response.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'content-length': Buffer.byteLength(text), ...PAGE_HEADERS });
  response.end(text);
}

/** The deadline for one request: the server's, or less when the client asks (x-deadline-ms). */
function deadlineOf(request: http.IncomingMessage, options: ServeOptions): number {
  const asked = Number(request.headers['x-deadline-ms']);
  return Number.isFinite(asked) && asked > 0 ? Math.min(asked, options.deadlineMs) : options.deadlineMs;
}

export function createGroundingServer(pipeline: GroundingPipeline, info: ServedModelInfo, input: ServeOptionsInput = {}): GroundingServer {
  const options = resolveServeOptions(input);
  const gate = new AdmissionGate(options.queueCap, options.concurrency);
  let scenes: Promise<BuiltInScene[]> | undefined;
  let closing = false;

  async function predict(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> {
    const admission = gate.tryAdmit();
    if (!admission) {
      throw new RequestError(503, 'ERR_LIMIT', `the server already holds ${options.queueCap} requests: retry after the time in Retry-After`, { 'retry-after': String(options.retryAfterSeconds) });
    }
    const started = performance.now();
    const deadline = deadlineOf(request, options);
    const closed = new AbortController();
    // The client went away before its answer: stop its work.
    response.on('close', () => {
      if (!response.writableFinished) closed.abort(new Error('the client closed the connection'));
    });
    const signal = AbortSignal.any([AbortSignal.timeout(deadline), closed.signal]);
    try {
      await admission.turn(signal);
      const asked = await readPredictRequest(request, url, options, signal);
      const prepared = await pipeline.prepare(asked.image, asked.expression);
      const boxes = await pipeline.predictPrepared(prepared, { topK: asked.topK, signal });
      const masks = await pipeline.generatedMasks(prepared, { signal });
      const body: Record<string, unknown> = { boxes };
      if (masks) {
        const uris = await Promise.all(masks.trajectory.map((values) => greyUri(values, masks.width, masks.height)));
        body.mask = uris[uris.length - 1];
        body.maskSize = { width: masks.width, height: masks.height };
        if (asked.trajectory) body.trajectory = uris;
      }
      body.ms = Math.round(performance.now() - started);
      sendJson(response, 200, body);
    } catch (error) {
      if (signal.aborted && !closed.signal.aborted) {
        throw new RequestError(408, 'ERR_ABORTED', `the request took longer than its deadline of ${deadline} ms: send a smaller image, ask again later, or raise deadlineMs`);
      }
      throw error;
    } finally {
      admission.leave();
    }
  }

  async function route(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      throw new RequestError(400, 'ERR_DATA', `the request target '${String(request.url).slice(0, 100)}' is not a path`);
    }
    if (closing && url.pathname !== '/healthz') throw new RequestError(503, 'ERR_LIMIT', 'the server is shutting down: send the request to another instance', { connection: 'close' });
    const route = routes[url.pathname];
    if (!route) throw new RequestError(404, 'ERR_DATA', `nothing is served at ${url.pathname}: POST /v1/predict, GET /healthz, GET /v1/model, or the page at /`);
    if (request.method !== route.method) throw new RequestError(405, 'ERR_DATA', `${request.method} is not served at ${url.pathname}: use ${route.method}`, { allow: route.method });
    return route.handle(request, response, url);
  }

  /** Each path, the one method it answers, and how. */
  const routes: Record<string, { method: 'GET' | 'POST'; handle: (request: http.IncomingMessage, response: http.ServerResponse, url: URL) => Promise<void> | void }> = {
    '/v1/predict': { method: 'POST', handle: predict },
    '/healthz': {
      method: 'GET',
      handle: (_request, response) => sendJson(response, closing ? 503 : 200, { status: closing ? 'shutting down' : 'ok', inFlight: gate.size, queueCap: options.queueCap }),
    },
    '/v1/model': { method: 'GET', handle: (_request, response) => sendJson(response, 200, { ...info, generatesMasks: pipeline.generatesMasks, limits: limitsOf(options) }) },
    '/v1/scenes': {
      method: 'GET',
      handle: async (_request, response) => {
        scenes ??= builtInScenes();
        sendJson(response, 200, await scenes);
      },
    },
    '/': { method: 'GET', handle: (_request, response) => sendText(response, 'text/html', PAGE_HTML) },
    '/page.js': { method: 'GET', handle: (_request, response) => sendText(response, 'text/javascript', PAGE_SCRIPT) },
    '/page.css': { method: 'GET', handle: (_request, response) => sendText(response, 'text/css', PAGE_CSS) },
  };

  const server = http.createServer({ requestTimeout: Math.max(options.deadlineMs + 5_000, HEADERS_TIMEOUT_MS), headersTimeout: HEADERS_TIMEOUT_MS }, (request, response) => {
    route(request, response).catch((error: unknown) => {
      if (!request.complete) {
        // A body the server stopped reading: the rest is drained unread (bounded by requestTimeout),
        // so the client reads the answer, and the connection closes after it.
        response.shouldKeepAlive = false;
        request.resume();
      }
      sendError(response, error);
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  return {
    server,
    options,
    get inFlight() {
      return gate.size;
    },
    shutdown() {
      closing = true;
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
        // Keep-alive sockets that finish a request later are closed by the 'connection: close' of the 503s and by close().
        const sweep = setInterval(() => {
          server.closeIdleConnections();
        }, 100);
        sweep.unref();
        server.once('close', () => clearInterval(sweep));
      });
    },
  };
}

function limitsOf(options: ServeOptions) {
  const { maxBodyBytes, maxImagePixels, maxExpressionLength, maxTopK, deadlineMs, queueCap } = options;
  return { maxBodyBytes, maxImagePixels, maxExpressionLength, maxTopK, deadlineMs, queueCap };
}
