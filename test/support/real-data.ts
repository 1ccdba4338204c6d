// Where the tests find real files (RefCOCO JSON, COCO images and polygons, vocabularies).
// A user's machine usually lacks them: tests skip with a message. Under CI=true a missing
// folder is a failure, so CI can never pass by skipping.
import fs from 'node:fs';
import path from 'node:path';
import type { Test } from 'uvu';

export const realDataDir = path.resolve(process.env.DIFF_PROMPT_TEST_DATA ?? path.join(__dirname, '..', '..', '..', 'shared', 'data'));

export const hasRealData = fs.existsSync(realDataDir);

/** `realDataTest(test, name, fn)`: runs fn with the data folder, skips (or fails under CI) without it. */
export function realDataTest(suite: Test, name: string, fn: (dir: string) => void | Promise<void>): void {
  if (hasRealData) {
    suite(name, () => fn(realDataDir));
  } else if (process.env.CI === 'true') {
    suite(name, () => {
      throw new Error(`real test data missing at ${realDataDir}: set DIFF_PROMPT_TEST_DATA`);
    });
  } else {
    console.log(`skipping "${name}": no real test data at ${realDataDir} (set DIFF_PROMPT_TEST_DATA)`);
    suite.skip(name, () => undefined);
  }
}
