import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from './support/temp-dir';

const { nativeFiles, sourceHash } = require('../scripts/native-build-flags.js') as {
  nativeFiles(): string[];
  sourceHash(files: string[]): string;
};

const test = suite('prebuilt binary');
const root = path.join(__dirname, '..');
const prebuild = path.join(root, 'prebuilds', 'linux-x64', 'diff_prompt.torch-1.13-cpu.node');

/** The source hash a binary carries, read from its bytes without loading it. */
function embeddedHash(file: string): string | undefined {
  const text = fs.readFileSync(file).toString('latin1');
  return (text.match(/diff-prompt-source-hash=([0-9a-f]{64})/) ?? [])[1];
}

test('the committed prebuild was built from exactly these sources (npm run prebuild refreshes it)', () => {
  assert.ok(fs.existsSync(prebuild), `${prebuild} is missing: run npm run prebuild`);
  const expected = sourceHash(nativeFiles());
  assert.is(embeddedHash(prebuild), expected, 'the prebuild is stale: run npm run prebuild and commit it');
});

test('the packed package installs into an empty folder and runs a tensor op without a compiler or build/', () => {
  const work = tempDir();
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  const tarball = path.join(work, packed);
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","version":"1.0.0","private":true}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app, stdio: 'pipe' });
  const installed = path.join(app, 'node_modules', 'diff-prompt');
  assert.not.ok(fs.existsSync(path.join(installed, 'build')), 'no build/ folder in the package');
  // PATH holds node and nothing else: no compiler, no cmake, no make.
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  const script = `
    const { Tensor, runtimeInfo } = require('diff-prompt');
    (async () => {
      const a = Tensor.from(new Float32Array([1, 2, 3, 4]), [2, 2]);
      const product = await a.matmul(a);
      console.log(JSON.stringify({ values: [...(await product.data())], origin: runtimeInfo().torchOrigin }));
    })();
  `;
  const env = { PATH: bin, HOME: process.env.HOME ?? '/root' };
  const run = spawnSync(path.join(bin, 'node'), ['-e', script], { cwd: app, env, encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout.trim()), { values: [7, 10, 15, 22], origin: 'debian' });
});

test.run();
