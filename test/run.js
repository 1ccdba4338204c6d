#!/usr/bin/env node
// Runs every test/**/*.test.ts with uvu (through tsx) and closes with the line CI reads:
// "N passed, N failed, N skipped". Usage: node test/run.js [pattern]

const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
// Only *.test.ts files, narrowed by an optional pattern (test/parity/*.py are not tests).
const pattern = process.argv[2] ? `^(?=.*(?:${process.argv[2]})).*\\.test\\.ts$` : '\\.test\\.ts$';
const uvu = path.join(root, 'node_modules', 'uvu', 'bin.js');
const child = spawn(process.execPath, [uvu, '-r', 'tsx/cjs', 'test', pattern], {
  cwd: root,
  env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  stdio: ['ignore', 'pipe', 'inherit'],
});

let output = '';
child.stdout.on('data', (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
child.on('close', (code, signal) => {
  const count = (label) => Number((output.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? NaN);
  const total = count('Total');
  const passed = count('Passed');
  const skipped = count('Skipped');
  if (Number.isNaN(total)) {
    // The runner died before its summary (a crash is a failure, never a silent pass).
    console.log(`\nthe test process ended early (exit ${code}, signal ${signal})`);
    console.log('0 passed, 1 failed, 0 skipped');
    process.exit(1);
  }
  const failed = total - passed;
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed > 0 || code !== 0 ? 1 : 0);
});
