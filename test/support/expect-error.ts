// Asserts that a call fails with a DiffPromptError of a given code (sync throw or rejection).
import * as assert from 'uvu/assert';
import { DiffPromptError, type ErrorCode } from '../../lib/errors';

export async function expectError(code: ErrorCode, call: () => unknown, messagePart?: string | RegExp): Promise<DiffPromptError> {
  let caught: unknown;
  try {
    await call();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught !== undefined, `expected ${code}, but the call succeeded`);
  assert.instance(caught, DiffPromptError, `expected a DiffPromptError, got ${String(caught)}`);
  const error = caught as DiffPromptError;
  assert.is(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
  if (messagePart !== undefined) {
    const matches = typeof messagePart === 'string' ? error.message.includes(messagePart) : messagePart.test(error.message);
    assert.ok(matches, `message "${error.message}" lacks ${String(messagePart)}`);
  }
  return error;
}
