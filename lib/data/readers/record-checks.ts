// The checks every reader applies to a record, each returning what is wrong (for the error
// message or the skip list) or undefined when the value is fine.
import type { z } from 'zod';
import type { Box } from '../sample';

/** How far (in pixels) a box may pass the image border: COCO boxes are floats and touch it. */
const BORDER_TOLERANCE = 1;

export function boxProblem(box: readonly number[], width: number, height: number): string | undefined {
  const [x, y, w, h] = box as Box;
  if (![x, y, w, h].every(Number.isFinite)) return `box [${box.join(', ')}] has a non-finite value`;
  if (w <= 0 || h <= 0) return `box [${box.join(', ')}] has no area (width and height must be > 0)`;
  if (x < -BORDER_TOLERANCE || y < -BORDER_TOLERANCE || x + w > width + BORDER_TOLERANCE || y + h > height + BORDER_TOLERANCE) {
    return `box [${box.join(', ')}] lies outside its ${width}×${height} image`;
  }
  return undefined;
}

export function expressionProblem(expression: string): string | undefined {
  return expression.trim() === '' ? 'the expression is empty' : undefined;
}

/** Character spans [start, end) must lie inside the text, counted in code points as Python does. */
export function spansProblem(spans: readonly (readonly number[])[], text: string): string | undefined {
  const length = [...text].length;
  for (const span of spans) {
    const [start, end] = span as [number, number];
    if (span.length !== 2 || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start || end > length) {
      return `tokens_positive span [${span.join(', ')}] is not inside the ${length}-character expression`;
    }
  }
  return undefined;
}

/** The first zod issue as "field: message". */
export function schemaProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'the record does not match the expected fields';
  const field = issue.path.length > 0 ? issue.path.join('.') : 'the record';
  return `${field}: ${issue.message}`;
}
