// diff-prompt serve DIR: a servable folder behind HTTP, with the page at /. SIGTERM or SIGINT
// stops taking requests, lets those in flight finish, then exits.
import type { Command } from 'commander';
import { serve } from '../serving/serve';
import { resolveServeOptions } from '../serving/serve-options';
import { integer } from './parse-flags';

/** The help's defaults are the schema's: the one place they live. */
const DEFAULTS = resolveServeOptions();

interface ServeFlags {
  port?: string;
  host?: string;
  queueCap?: string;
  concurrency?: string;
  deadlineMs?: string;
  maxBodyBytes?: string;
  maxImagePixels?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve a grounding or tuned Diff-Prompt folder: POST /v1/predict, GET /healthz, GET /v1/model, and a page at /')
    .argument('<dir>', 'the model folder (e.g. a tuned Diff-Prompt, or the shipped backbone)')
    .option('--port <n>', `port, 0 for any free one (default ${DEFAULTS.port})`)
    .option('--host <address>', `address to listen on, loopback unless a proxy is in front (default ${DEFAULTS.host})`)
    .option('--queue-cap <n>', `requests admitted at once, waiting or running; past it 503 (default ${DEFAULTS.queueCap})`)
    .option('--concurrency <n>', `requests read and prepared while the model works (default ${DEFAULTS.concurrency})`)
    .option('--deadline-ms <n>', `longest a request may take (default ${DEFAULTS.deadlineMs})`)
    .option('--max-body-bytes <n>', `largest request body (default ${DEFAULTS.maxBodyBytes})`)
    .option('--max-image-pixels <n>', `largest image, width × height (default ${DEFAULTS.maxImagePixels})`)
    .action(async (dir: string, flags: ServeFlags) => {
      const optional = (value: string | undefined, flag: string, minimum = 1) => (value === undefined ? undefined : integer(value, flag, minimum));
      const running = await serve(dir, {
        port: optional(flags.port, '--port', 0),
        host: flags.host,
        queueCap: optional(flags.queueCap, '--queue-cap'),
        concurrency: optional(flags.concurrency, '--concurrency'),
        deadlineMs: optional(flags.deadlineMs, '--deadline-ms'),
        maxBodyBytes: optional(flags.maxBodyBytes, '--max-body-bytes'),
        maxImagePixels: optional(flags.maxImagePixels, '--max-image-pixels'),
      });
      console.log(`serving ${dir} at ${running.url}/ (POST ${running.url}/v1/predict)`);
      const stop = (signal: string) => {
        console.log(`${signal}: finishing ${running.inFlight} request(s) in flight`);
        running.close().then(() => process.exit(0));
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
