#!/usr/bin/env node
// npm run prebuild: builds the addon against Debian's libtorch 1.13 (CPU) and writes the
// prebuilt binary that npm users get, prebuilds/linux-x64/diff_prompt.torch-1.13-cpu.node,
// stripped, with the hash of the sources it came from embedded (test/prebuild.test.ts checks
// the committed binary against the sources, so a stale one cannot ship).

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const target = path.join(root, 'prebuilds', 'linux-x64', 'diff_prompt.torch-1.13-cpu.node');

const env = { ...process.env };
delete env.Torch_DIR;
delete env.LIBTORCH;
const flags = JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'native-build-flags.js'), 'json'], { env, encoding: 'utf8' }));
if (flags.torch.origin !== 'debian') {
  console.error(`the prebuild is for Debian's libtorch-dev, but the build found ${flags.torch.origin} first (${flags.torch.torchDir})`);
  process.exit(1);
}
execFileSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--out', 'build'], { cwd: root, env, stdio: 'inherit' });
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.copyFileSync(path.join(root, 'build', 'Release', 'diff_prompt.node'), target);
execFileSync('strip', ['--strip-unneeded', target]);
console.log(`wrote ${path.relative(root, target)} (${fs.statSync(target).size} bytes)`);
