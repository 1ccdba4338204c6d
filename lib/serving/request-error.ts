// A request the server refuses: the package's error code, and the HTTP status it is answered with.
import { DiffPromptError, type ErrorCode } from '../errors';

export class RequestError extends DiffPromptError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

/** The status for any error a request met: its own, else by code (the request's fault is 4xx, the server's 500). */
export function statusOf(error: unknown): number {
  if (error instanceof RequestError) return error.status;
  if (!(error instanceof DiffPromptError)) return 500;
  switch (error.code) {
    case 'ERR_DATA':
    case 'ERR_SHAPE':
    case 'ERR_DTYPE':
    case 'ERR_CONFIG':
      return 400;
    case 'ERR_LIMIT':
      return 413;
    case 'ERR_ABORTED':
      return 408;
    default:
      return 500;
  }
}
