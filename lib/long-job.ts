// Multi-step native calls: an AbortSignal becomes a native cancel flag (checked between steps,
// rejecting with ERR_ABORTED) and progress events reach `onProgress` only while the call is
// pending: none arrives after its Promise settles.
import { abortedError } from './errors';
import { native } from './native';
import type { NativeCancelFlag, NativeProgressCallback, NativeProgressEvent } from './native-api';

export interface ProgressEvent {
  step: number;
  total: number;
  values: Record<string, number>;
}

export interface LongJobOptions {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export async function runLongJob<T>(what: string, options: LongJobOptions, start: (cancel: NativeCancelFlag, onProgress: NativeProgressCallback | undefined) => Promise<T>): Promise<T> {
  const { signal, onProgress } = options;
  if (signal?.aborted) throw abortedError(what, signal);
  const flag = new (native().CancelFlag)();
  const onAbort = () => flag.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  let settled = false;
  let callbackError: unknown;
  const progress = onProgress
    ? (event: NativeProgressEvent) => {
        if (settled || callbackError !== undefined) return;
        try {
          onProgress(event);
        } catch (error) {
          // A throwing callback stops the job and its error becomes the job's.
          callbackError = error;
          flag.cancel();
        }
      }
    : undefined;
  try {
    const result = await start(flag, progress);
    if (callbackError !== undefined) throw callbackError;
    return result;
  } catch (error) {
    if (callbackError !== undefined) throw callbackError;
    if (signal?.aborted) throw abortedError(what, signal);
    throw error;
  } finally {
    settled = true;
    signal?.removeEventListener('abort', onAbort);
  }
}
