// The vae command end to end: train a few steps, evaluate with --json on generated and real COCO
// masks, draw the reconstruction grid.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { realDataTest } from './support/real-data';
import { tempDir } from './support/temp-dir';

const test = suite('vae command');
const main = path.join(__dirname, '..', 'lib', 'cli', 'main.ts');
const work = tempDir();
const checkpoint = path.join(work, 'vae');

function cli(...args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('vae train writes a checkpoint folder, history and resumable state', () => {
  const output = cli('vae', 'train', '--out', checkpoint, '--count', '64', '--epochs', '1', '--batch-size', '32', '--seed', '1');
  assert.match(output, /saved .* \(334093 parameters\)/);
  assert.ok(fs.existsSync(path.join(checkpoint, 'model.safetensors')));
  assert.not.ok(fs.existsSync(path.join(checkpoint, 'optimizer.safetensors')), 'the shipped folder holds weights only');
  assert.ok(fs.existsSync(path.join(`${checkpoint}-training`, 'last', 'optimizer.safetensors')));
  const history = JSON.parse(fs.readFileSync(path.join(checkpoint, 'history.json'), 'utf8'));
  assert.is(history.length, 1);
  assert.is(history[0].evaluation.generated.count, 1000);
});

test('vae eval --json reports meanIoU and count on generated masks', () => {
  const result = JSON.parse(cli('vae', 'eval', '--checkpoint', checkpoint, '--generated', '40', '--json'));
  assert.type(result.meanIoU, 'number');
  assert.ok(result.meanIoU >= 0 && result.meanIoU <= 1);
  assert.ok(result.count > 0 && result.count <= 40);
  assert.is(result.all.count, 40);
});

realDataTest(test, 'vae eval runs on a real COCO instances file, and --min-area filters small objects', (dir) => {
  const coco = path.join(dir, 'coco-instances', 'train.json');
  const result = JSON.parse(cli('vae', 'eval', '--checkpoint', checkpoint, '--coco', coco, '--json'));
  assert.is(result.all.count, 273, 'every non-crowd instance');
  assert.ok(result.count < result.all.count && result.count > 50, `${result.count} objects cover ≥ 1%`);
  const heldOut = JSON.parse(cli('vae', 'eval', '--checkpoint', checkpoint, '--coco', coco, '--held-out-only', '--json', '--min-area', '0'));
  assert.is(heldOut.count, 51, 'the six held-out images hold 51 instances');
});

test('vae reconstruct draws a PNG grid', () => {
  const png = path.join(work, 'grid.png');
  cli('vae', 'reconstruct', '--checkpoint', checkpoint, '--out', png, '--n', '4');
  const bytes = fs.readFileSync(png);
  assert.equal([...bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  assert.ok(width > 256 && height > 4 * 128, `${width}×${height}`);
});

test('bad input: a missing checkpoint and no data flag are typed errors with exit code 1', () => {
  for (const args of [
    ['vae', 'eval', '--checkpoint', path.join(work, 'absent'), '--generated', '4'],
    ['vae', 'eval', '--checkpoint', checkpoint],
  ]) {
    let failed: { status?: number; stderr?: string } | undefined;
    try {
      cli(...args);
    } catch (error) {
      failed = error as { status?: number; stderr?: string };
    }
    assert.is(failed?.status, 1);
    assert.match(String(failed?.stderr), /diff-prompt: ERR_(CHECKPOINT|CONFIG): /);
  }
});

test.run();
