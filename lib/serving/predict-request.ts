// POST /v1/predict's body in its three forms, read within the server's limits:
//   multipart/form-data   fields `expression`, `topK`, `trajectory`; the file in field `image`
//   image/* (raw bytes)   the expression in `?expression=` (topK, trajectory in the query too)
//   application/json      { "image": base64 or a data: URI, "expression", "topK"?, "trajectory"? }
// Nothing is buffered past maxBodyBytes: the upload stops being read and the answer is 413.
import type http from 'node:http';
import busboy from 'busboy';
import sharp from 'sharp';
import { RequestError } from './request-error';
import type { ServeOptions } from './serve-options';

export interface PredictRequest {
  image: Buffer;
  expression: string;
  topK: number | undefined;
  /** Whether a Diff-Prompt's answer carries every prompted layer's mask, not only the clean one. */
  trajectory: boolean;
}

type Limits = Pick<ServeOptions, 'maxBodyBytes' | 'maxImagePixels' | 'maxExpressionLength' | 'maxTopK'>;

const MAX_FIELD_BYTES = 16 * 1024;

function tooLarge(limit: number): RequestError {
  return new RequestError(413, 'ERR_LIMIT', `the body is over ${limit} bytes: send a smaller image (or start the server with a larger maxBodyBytes)`);
}

/** The whole body, refusing it as soon as it passes `limit` bytes. */
export function readBody(request: http.IncomingMessage, limit: number, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return reject(tooLarge(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: unknown) => {
      cleanup();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onAbort = () => fail(signal.reason);
    const onClose = () => fail(new RequestError(400, 'ERR_DATA', 'the client closed the request before its body ended'));
    const cleanup = () => {
      request.off('data', onData).off('end', onEnd).off('error', fail).off('aborted', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    request.on('data', onData).on('end', onEnd).on('error', fail).on('aborted', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parses the body of POST /v1/predict in whichever form its content type names. */
export async function readPredictRequest(request: http.IncomingMessage, url: URL, limits: Limits, signal: AbortSignal): Promise<PredictRequest> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  let fields: Record<string, unknown>;
  let image: Buffer | undefined;
  if (type === 'multipart/form-data') {
    ({ fields, image } = await readMultipart(request, limits.maxBodyBytes, signal));
  } else if (type === 'application/json') {
    const body = await readBody(request, limits.maxBodyBytes, signal);
    fields = parseJsonObject(body);
    image = imageFromBase64(fields.image);
  } else if (type.startsWith('image/') || type === 'application/octet-stream') {
    image = await readBody(request, limits.maxBodyBytes, signal);
    fields = Object.fromEntries(url.searchParams);
  } else {
    throw new RequestError(
      415,
      'ERR_DATA',
      `content type '${type || '(none)'}' is not one this endpoint reads: send multipart/form-data (fields image, expression), image bytes with ?expression=, or application/json { image: base64, expression }`,
    );
  }
  if (image === undefined || image.length === 0) throw new RequestError(400, 'ERR_DATA', 'the request has no image: send it as the `image` field (a file, or base64 in JSON) or as the raw body');
  const expression = expressionOf(fields.expression, limits.maxExpressionLength);
  const topK = topKOf(fields.topK, limits.maxTopK);
  await checkImagePixels(image, limits.maxImagePixels);
  return { image, expression, topK, trajectory: flagOf(fields.trajectory) };
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new RequestError(400, 'ERR_DATA', `the body is not JSON (${(error as Error).message}): send { "image": base64, "expression": string }`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RequestError(400, 'ERR_DATA', 'the JSON body must be an object { "image": base64, "expression": string }');
  return value as Record<string, unknown>;
}

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;

function imageFromBase64(value: unknown): Buffer | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RequestError(400, 'ERR_DATA', '`image` must be a base64 string (or a data: URI) of a JPEG, PNG or WebP');
  const payload = value.startsWith('data:') ? value.slice(value.indexOf(',') + 1) : value;
  if (!BASE64.test(payload)) throw new RequestError(400, 'ERR_DATA', '`image` is not base64: encode the file bytes with standard base64');
  return Buffer.from(payload, 'base64');
}

function readMultipart(request: http.IncomingMessage, limit: number, signal: AbortSignal): Promise<{ fields: Record<string, unknown>; image: Buffer | undefined }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: request.headers, limits: { fileSize: limit, files: 1, fields: 8, fieldSize: MAX_FIELD_BYTES, parts: 9 } });
    } catch (error) {
      return reject(new RequestError(400, 'ERR_DATA', `the multipart body cannot be read: ${(error as Error).message}`));
    }
    const fields: Record<string, unknown> = {};
    let image: Buffer | undefined;
    let received = 0;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      request.unpipe(parser);
      request.resume(); // drain what the client still sends, so it reads the answer
      signal.removeEventListener('abort', onAbort);
      reject(error);
    };
    const onAbort = () => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) fail(tooLarge(limit));
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(new RequestError(413, 'ERR_LIMIT', `the field '${name}' is over ${MAX_FIELD_BYTES} bytes`));
      fields[name] = value;
    });
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(tooLarge(limit)));
      // A body cut inside the file: the stream errs too (unheard, it would end the process).
      stream.on('error', (error: Error) => fail(new RequestError(400, 'ERR_DATA', `the multipart body is malformed: ${error.message}`)));
      stream.on('end', () => {
        if (name === 'image') image = Buffer.concat(chunks);
      });
    });
    parser.on('filesLimit', () => fail(new RequestError(400, 'ERR_DATA', 'send one file, in the field `image`')));
    parser.on('fieldsLimit', () => fail(new RequestError(400, 'ERR_DATA', 'too many fields: send image, expression, topK and trajectory only')));
    parser.on('partsLimit', () => fail(new RequestError(400, 'ERR_DATA', 'too many parts: send image, expression, topK and trajectory only')));
    parser.on('error', (error: Error) => fail(new RequestError(400, 'ERR_DATA', `the multipart body is malformed: ${error.message}`)));
    parser.on('close', () => {
      if (failed) return;
      signal.removeEventListener('abort', onAbort);
      resolve({ fields, image });
    });
    request.pipe(parser);
  });
}

function expressionOf(value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw new RequestError(400, 'ERR_DATA', 'the request needs an `expression`: a non-empty string such as "the small red circle"');
  if (value.length > maxLength) throw new RequestError(413, 'ERR_LIMIT', `the expression is ${value.length} characters, over the ${maxLength} this server reads`);
  return value;
}

function topKOf(value: unknown, maxTopK: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const topK = typeof value === 'string' ? Number(value) : value;
  if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1 || topK > maxTopK) throw new RequestError(400, 'ERR_CONFIG', `topK must be a whole number from 1 to ${maxTopK}`);
  return topK;
}

function flagOf(value: unknown): boolean {
  return value === true || value === 'true' || value === '1';
}

/** Reads the image's size from its header (no decoding) and refuses one over the pixel limit. */
async function checkImagePixels(image: Buffer, maxPixels: number): Promise<void> {
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(image).metadata());
  } catch (error) {
    throw new RequestError(400, 'ERR_DATA', `the image cannot be read (${(error as Error).message}): send a complete JPEG, PNG or WebP`);
  }
  if (!width || !height) throw new RequestError(400, 'ERR_DATA', 'the image has no size in its header: send a complete JPEG, PNG or WebP');
  if (width * height > maxPixels) throw new RequestError(413, 'ERR_LIMIT', `the image is ${width}×${height} pixels, over the ${maxPixels} this server decodes: send a smaller one`);
}
