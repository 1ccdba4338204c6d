// The page at / in a real browser (Debian's headless Chromium driven by playwright-core): it
// loads, a built-in scene and its expression go in, the top box comes back drawn as a red frame
// where the answer says (read off the screenshot's pixels), the generated masks are shown, and
// axe-core finds no accessibility violation.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DIFF_PROMPT_PRESETS } from '../lib/config/diff-prompt-config';
import { shippedParts } from '../lib/io/shipped-parts';
import { DiffPrompt } from '../lib/models/diff-prompt';
import { serve, type RunningServer } from '../lib/serving/serve';
import { tempDir } from './support/temp-dir';

const test = suite('the served page in a browser');
const CHROMIUM = process.env.DIFF_PROMPT_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
let browser: Browser;
let running: RunningServer;

interface Answer {
  boxes: Array<{ box: [number, number, number, number]; score: number }>;
  trajectory: string[];
}

/** Whether a pixel is the page's top-box red (#ff1f1f), allowing for antialiasing. */
const isRed = (r: number, g: number, b: number) => r > 200 && g < 90 && b < 90;

function browserTest(name: string, fn: () => Promise<void>): void {
  if (hasChromium) test(name, fn);
  else if (process.env.CI === 'true') test(name, () => assert.unreachable(`no Chromium at ${CHROMIUM}: bash scripts/setup.sh installs Debian's chromium`));
  else {
    console.log(`skipping "${name}": no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    test.skip(name, () => undefined);
  }
}

test.before(async () => {
  if (!hasChromium) return;
  const dir = path.join(tempDir(), 'diff-prompt');
  {
    using model = await DiffPrompt.fromFolders(shippedParts(), { ...DIFF_PROMPT_PRESETS.tiny, seed: 0 });
    await model.save(dir);
  }
  running = await serve(dir, { port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
});

test.after(async () => {
  await browser?.close();
  await running?.close();
});

browserTest('a scene and its expression come back as a red frame at the returned box, with the masks', async () => {
  const page = await browser.newPage({ viewport: { width: 900, height: 1400 }, deviceScaleFactor: 1 });
  await page.goto(`${running.url}/`);
  await page.locator('#scenes button').first().click();
  await page.locator('#picture[src]').waitFor({ state: 'attached' });
  assert.ok((await page.locator('#expression').inputValue()).length > 0, 'the scene fills in its expression');
  const answered = page.waitForResponse((response) => response.url().endsWith('/v1/predict'));
  await page.locator('#submit').click();
  const answer = (await (await answered).json()) as Answer;
  await page.locator('body[data-answered=true]').waitFor();
  assert.ok(answer.boxes.length > 0, 'the model found boxes');
  assert.is(await page.locator('#masks img').count(), answer.trajectory.length);
  assert.is(await page.locator('#ranked li').count(), Math.min(5, answer.boxes.length));

  const picture = page.locator('#picture');
  // The callbacks run in the page; the project's types have no DOM, so the image is typed by what is used.
  await picture.evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
  const frame = (await picture.boundingBox())!;
  const natural = await picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
  const scale = frame.width / natural;
  const shot = await sharp(await page.locator('#stage').screenshot())
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixel = (x: number, y: number) => {
    const at = 3 * (Math.round(y) * shot.info.width + Math.round(x));
    return [shot.data[at]!, shot.data[at + 1]!, shot.data[at + 2]!] as const;
  };
  const [x, y, w, h] = answer.boxes[0]!.box.map((v) => v * scale) as [number, number, number, number];
  // The frame's four edges, each at its midpoint, searched a few pixels across the stroke.
  const edges = [
    [x + w / 2, y, 0, 1],
    [x + w / 2, y + h, 0, 1],
    [x, y + h / 2, 1, 0],
    [x + w, y + h / 2, 1, 0],
  ] as const;
  for (const [ex, ey, dx, dy] of edges) {
    const hit = [-4, -3, -2, -1, 0, 1, 2, 3, 4].some((d) => isRed(...pixel(ex + d * dx, ey + d * dy)));
    assert.ok(hit, `a red frame edge near (${ex.toFixed(1)}, ${ey.toFixed(1)}) of the screenshot`);
  }
  // Inside the box, away from the frame, the picture is not red: the frame is drawn, not a fill.
  assert.not.ok(isRed(...pixel(x + w / 2, y + h / 2)) && isRed(...pixel(x + w / 4, y + h / 2)) && isRed(...pixel(x + (3 * w) / 4, y + h / 2)), 'the box is framed, not filled');
  await page.close();
});

browserTest('axe-core finds no accessibility violations on the page, before and after an answer', async () => {
  // The page's CSP refuses inline scripts; the audit's own script is let in.
  const page = await browser.newPage({ bypassCSP: true });
  await page.goto(`${running.url}/`);
  await page.locator('#scenes button').first().waitFor();
  const audit = async () => {
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    return page.evaluate(async () => {
      const result = await (globalThis as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; help: string }> }> } }).axe.run();
      return result.violations.map((violation) => `${violation.id}: ${violation.help}`);
    });
  };
  assert.equal(await audit(), []);
  await page.locator('#scenes button').first().click();
  await page.locator('#picture[src]').waitFor({ state: 'attached' });
  await page.locator('#submit').click();
  await page.locator('body[data-answered=true]').waitFor();
  assert.equal(await audit(), []);
  await page.close();
});

test.run();
