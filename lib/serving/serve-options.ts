// The settings of `diff-prompt serve` and serve(): where it listens and every limit a request
// meets. One schema holds each default; the CLI's flags overlay it.
import { z } from 'zod';
import { parseConfig } from '../config/parse-config';

export const serveOptionsSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8080),
    /** Loopback by default: a model server is not for the open network without a proxy in front. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Largest request body: an upload, raw image bytes or base64 JSON. */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 2 ** 20),
    /** Largest image, width × height, checked from its header before it is decoded. */
    maxImagePixels: z
      .number()
      .int()
      .positive()
      .default(4096 * 4096),
    maxExpressionLength: z.number().int().positive().default(512),
    maxTopK: z.number().int().positive().default(100),
    /** Longest a request may take from arrival to answer; a client may ask for less (x-deadline-ms). */
    deadlineMs: z.number().int().positive().default(30_000),
    /** Requests admitted at once (waiting or running); past it, 503 with Retry-After. Each waiting
     * request holds only its socket: its body is read when its turn comes. */
    queueCap: z.number().int().positive().default(1024),
    /** Requests read and prepared while the model works on one (decoding overlaps prediction). */
    concurrency: z.number().int().positive().default(2),
    /** Seconds a 503 asks the client to wait. */
    retryAfterSeconds: z.number().int().positive().default(1),
    /** Longest a graceful shutdown waits for requests in flight before closing their sockets. */
    shutdownGraceMs: z.number().int().positive().default(30_000),
  })
  .strict();

export type ServeOptionsInput = z.input<typeof serveOptionsSchema>;
export type ServeOptions = z.output<typeof serveOptionsSchema>;

export function resolveServeOptions(options: ServeOptionsInput = {}): ServeOptions {
  return parseConfig(serveOptionsSchema, options, 'serve options');
}
