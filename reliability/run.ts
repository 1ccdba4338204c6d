// npm run reliability [-- --long] [-- --only load,soak]: load, soak, crash safety and hostile
// input against the shipped parts. Prints each part's figures and fails (exit 1) on any
// incorrect answer, crash or hang. The short form runs in CI; --long is the README's figures.
import { crashSafety } from './crash-safety';
import { hostileFiles } from './hostile-files';
import { hostileHttp } from './hostile-http';
import { load } from './load';
import type { Part } from './part';
import { soak } from './soak';

const PARTS: Part[] = [load, soak, crashSafety, hostileHttp, hostileFiles];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const form = args.includes('--long') ? 'long' : 'short';
  const only = args
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  let failed = 0;
  console.log(`# reliability (${form} form), ${new Date().toISOString().slice(0, 10)}`);
  for (const part of PARTS.filter((p) => !only || only.includes(p.name))) {
    const started = performance.now();
    const result = await part.run(form);
    console.log(`\n## ${part.name} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    for (const [figure, value] of Object.entries(result.figures)) console.log(`- ${figure}: ${value}`);
    for (const failure of result.failures) console.log(`- FAILED: ${failure}`);
    failed += result.failures.length;
  }
  console.log(`\n${failed === 0 ? 'all parts held' : `${failed} failure(s)`}`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
