// The package as a user installs it: `npm pack`, then `npm install` of the tarball into an empty
// folder (from the cache `npm ci` filled where it can, the registry for the rest). The installed command runs from a folder of
// its own and finds the shipped parts; every ```ts block of the README compiles on its own with
// the project's tsc against the installed package's types, so a reader can paste it.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from './support/temp-dir';

const test = suite('the packed package');
const ROOT = path.join(__dirname, '..');
let installed: string | undefined;

/** The README's ```ts blocks, in order. */
export function readmeTypeScriptBlocks(readme: string): string[] {
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

/** A user's project with the packed package installed (made once, by the first test that asks). */
function installedApp(): string {
  if (installed) return installed;
  const scratch = tempDir('diff-prompt-packed-');
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const tarball = path.join(scratch, packed.trim().split('\n').pop()!);
  const app = path.join(scratch, 'app');
  fs.mkdirSync(path.join(app, 'elsewhere'), { recursive: true });
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'a-user-project', private: true, type: 'module' }));
  const typesNode = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')).version as string;
  const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `@types/node@${typesNode}`], { cwd: app, encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`npm install of the tarball failed (${install.status}):\n${install.stdout}\n${install.stderr}`);
  installed = app;
  return app;
}

test('the installed command finds its shipped parts from any folder, on the prebuilt addon', () => {
  const app = installedApp();
  const bin = path.join(app, 'node_modules', '.bin', 'diff-prompt');
  const cwd = path.join(app, 'elsewhere');
  const info = spawnSync(bin, ['info', '--json'], { cwd, encoding: 'utf8' });
  assert.is(info.status, 0, info.stderr);
  const addon = (JSON.parse(info.stdout) as { addon?: string }).addon ?? '';
  assert.ok(addon.includes(path.join('node_modules', 'diff-prompt', 'prebuilds')), `the installed package loads its prebuild: ${addon}`);
  const tune = spawnSync(bin, ['tune', '--method', 'zero-shot', '--count', '8', '--eval-count', '8'], { cwd, encoding: 'utf8' });
  assert.is(tune.status, 0, tune.stderr);
  for (const split of ['val', 'testA', 'testB']) assert.match(tune.stdout, `${split}/target`);
  assert.equal(fs.readdirSync(cwd), [], 'zero-shot writes nothing');
});

test("every ```ts block of the README compiles on its own against the installed package's types", () => {
  const app = installedApp();
  const blocks = readmeTypeScriptBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  assert.ok(blocks.length >= 5, `the README has its examples (${blocks.length})`);
  blocks.forEach((block, i) => fs.writeFileSync(path.join(app, `readme-${i + 1}.ts`), block));
  const compilerOptions = {
    strict: true,
    target: 'es2022',
    lib: ['es2022', 'esnext.disposable', 'dom'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: ['node'],
    noEmit: true,
    skipLibCheck: true,
  };
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['readme-*.ts'] }));
  const tsc = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', app], { encoding: 'utf8' });
  assert.is(tsc.status, 0, `README blocks do not compile:\n${tsc.stdout}${tsc.stderr}`);
});

test.run();
