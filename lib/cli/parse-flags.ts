// Command-line values as numbers, with ERR_CONFIG naming the flag when they are not.
import { DiffPromptError } from '../errors';

export function integer(value: string, flag: string, minimum = 0): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) throw new DiffPromptError('ERR_CONFIG', `${flag} must be an integer ≥ ${minimum}, got '${value}'`);
  return parsed;
}

export function positiveNumber(value: string, flag: string): number {
  const parsed = Number(value);
  if (!(Number.isFinite(parsed) && parsed > 0)) throw new DiffPromptError('ERR_CONFIG', `${flag} must be a number > 0, got '${value}'`);
  return parsed;
}

export function nonNegativeNumber(value: string, flag: string): number {
  const parsed = Number(value);
  if (!(Number.isFinite(parsed) && parsed >= 0)) throw new DiffPromptError('ERR_CONFIG', `${flag} must be a number ≥ 0, got '${value}'`);
  return parsed;
}
