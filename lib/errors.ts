// Typed errors: every failure a user can meet carries a stable `code` and a message that says
// what to do. Native exceptions arrive here with the same codes (see native/napi/error_mapping.cc).

export const ERROR_CODES = [
  'ERR_SHAPE', // a tensor has the wrong shape or rank
  'ERR_DTYPE', // a tensor or typed array has the wrong element type
  'ERR_DISPOSED', // a handle was used after dispose()
  'ERR_CHECKPOINT', // a checkpoint file or folder is missing, corrupt, or of another config
  'ERR_CONFIG', // a config or option is invalid
  'ERR_DATA', // a data file or record is missing or malformed
  'ERR_NAN', // a loss became non-finite: training stopped, the last good checkpoint is kept
  'ERR_ABORTED', // an AbortSignal fired
  'ERR_LIMIT', // an input or a queue is over a limit (body size, image pixels, expression length, requests waiting)
  'ERR_CUDA_UNAVAILABLE', // CUDA was asked for but this libtorch or machine has none
  'ERR_NATIVE_LOAD', // the addon or libtorch could not be loaded
  'ERR_INTERNAL', // a libtorch failure that none of the above explains
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DiffPromptError extends Error {
  override readonly name = 'DiffPromptError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isDiffPromptError(value: unknown, code?: ErrorCode): value is DiffPromptError {
  return value instanceof DiffPromptError && (code === undefined || value.code === code);
}

/** The error an aborted operation rejects with. */
export function abortedError(what: string, signal: AbortSignal): DiffPromptError {
  const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
  return new DiffPromptError('ERR_ABORTED', `${what} was cancelled${reason}`, { cause: signal.reason });
}
