// Configs are plain JSON objects checked by zod schemas; a bad one is ERR_CONFIG naming each
// offending key.
import type { z } from 'zod';
import { DiffPromptError } from '../errors';

export function parseConfig<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`);
  throw new DiffPromptError('ERR_CONFIG', `invalid ${what}: ${problems.join('; ')}`);
}
