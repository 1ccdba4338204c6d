#!/usr/bin/env node
// npm's install step. It never fails the install: it uses the prebuilt binary when it loads
// here, else builds from source when libtorch is found, else says what to do.

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function loads(file) {
  return spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { stdio: 'ignore', timeout: 60000 }).status === 0;
}

function main() {
  const prebuildDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const prebuilds = fs.existsSync(prebuildDir) ? fs.readdirSync(prebuildDir).filter((f) => f.endsWith('.node')) : [];
  const working = prebuilds.find((name) => loads(path.join(prebuildDir, name)));
  if (working) {
    console.log(`diff-prompt: using the prebuilt addon ${working}`);
    return;
  }
  try {
    execFileSync(process.execPath, [path.join(__dirname, 'native-build-flags.js'), 'json'], { stdio: 'ignore' });
  } catch {
    console.log('diff-prompt: no prebuilt addon loads here and libtorch was not found to build one.');
    console.log('  Install it, then build: apt-get install -y libtorch-dev libopenblas0-openmp cmake && npm run build:addon');
    return;
  }
  try {
    console.log('diff-prompt: building the addon from source (about 2 minutes)...');
    execFileSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--out', 'build'], { cwd: root, stdio: 'inherit' });
  } catch {
    console.log('diff-prompt: the build failed; see above. Retry with: npm run build:addon');
  }
}

try {
  main();
} catch (error) {
  console.log(`diff-prompt: install step skipped (${error.message})`);
}
