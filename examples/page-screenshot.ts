// The README's picture of the served page: serves DIR, asks about the first built-in scene in
// Debian's Chromium, and saves the page as it shows the answer.
//   npx tsx examples/page-screenshot.ts DIR OUT.png
import { chromium } from 'playwright-core';
import { serve } from '../lib/serving/serve';

async function main(): Promise<void> {
  const [dir, out] = process.argv.slice(2);
  if (!dir || !out) throw new Error('usage: tsx examples/page-screenshot.ts DIR OUT.png');
  const running = await serve(dir, { port: 0 });
  const browser = await chromium.launch({ executablePath: process.env.DIFF_PROMPT_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 800, height: 1000 } });
    await page.goto(`${running.url}/`);
    await page.locator('#scenes button').first().click();
    await page.locator('#picture[src]').waitFor({ state: 'attached' });
    await page.locator('#submit').click();
    await page.locator('body[data-answered=true]').waitFor();
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
    await running.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
