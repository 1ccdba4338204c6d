// The layering of lib/ as the README's architecture section draws it: no import circle, and each
// layer imports only the layers below it (models never reach up into the loops, the evaluator,
// the reports, serving or the command line).
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const LIB = path.join(__dirname, '..', 'lib');

/** Every lib/ file → the lib/ files it imports (type-only imports included: a circle in the design is one). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = fs.readdirSync(LIB, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  for (const file of files) {
    const source = fs.readFileSync(path.join(LIB, file), 'utf8');
    const targets: string[] = [];
    for (const match of source.matchAll(/(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
      const base = path.join(path.dirname(file), match[1]!);
      const target = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => files.includes(candidate));
      if (target) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

test('lib/ has no import circle', () => {
  const graph = importGraph();
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  assert.equal(cycles, []);
});

test('each layer imports only the layers below it', () => {
  // A folder may import the folders listed after it, never those before (index.ts and the CLI sit on top).
  const below: Record<string, string[]> = {
    models: ['pictures', 'stages', 'eval', 'report', 'serving', 'cli'],
    config: ['models', 'pictures', 'stages', 'eval', 'report', 'serving', 'cli'],
    data: ['models', 'pictures', 'stages', 'eval', 'report', 'serving', 'cli'],
    io: ['models', 'pictures', 'stages', 'eval', 'report', 'serving', 'cli'],
    // Pictures draw data (samples, images, masks) for the reports and the command line, and know nothing of models or loops.
    pictures: ['models', 'config', 'io', 'stages', 'eval', 'report', 'serving', 'cli'],
    eval: ['stages', 'report', 'serving', 'cli'],
    stages: ['report', 'serving', 'cli'],
    serving: ['stages', 'report', 'cli'],
  };
  const wrong: string[] = [];
  for (const [file, targets] of importGraph()) {
    const layer = file.split(path.sep)[0]!;
    for (const target of targets) {
      const targetLayer = target.split(path.sep)[0]!;
      if (below[layer]?.includes(targetLayer)) wrong.push(`${file} → ${target}`);
    }
  }
  assert.equal(wrong, []);
});

test.run();
