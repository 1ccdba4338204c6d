// Finds and loads the addon: a local build (build/Release) when present, else a prebuilt binary
// for this platform (prebuilds/<platform>-<arch>/*.node), each prebuild first tried in a child
// process so that a broken binary cannot take this process down. When nothing loads, one
// DiffPromptError(ERR_NATIVE_LOAD) names every candidate, why it failed, and the fix.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DiffPromptError } from './errors';
import type { NativeAddon } from './native-api';

/** The package root: lib/ and dist/ both sit one level below it. */
export const packageRoot = path.join(__dirname, '..');

const INSTALL_LIBTORCH = 'apt-get install -y libtorch-dev libopenblas0-openmp';

interface Attempt {
  file: string;
  error?: string;
}

/** Candidate binaries in the order they are tried. DIFF_PROMPT_ADDON forces one file. */
export function addonCandidates(root = packageRoot): string[] {
  if (process.env.DIFF_PROMPT_ADDON) return [path.resolve(process.env.DIFF_PROMPT_ADDON)];
  const local = path.join(root, 'build', 'Release', 'diff_prompt.node');
  const prebuildDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const prebuilds = fs.existsSync(prebuildDir)
    ? fs
        .readdirSync(prebuildDir)
        .filter((name) => name.endsWith('.node'))
        .sort()
        .map((name) => path.join(prebuildDir, name))
    : [];
  return [...(fs.existsSync(local) ? [local] : []), ...prebuilds];
}

/** Loads `file` in a child process first: a missing libtorch or an ABI mismatch fails there. */
function probeInChild(file: string): string | undefined {
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (probe.status === 0) return undefined;
  const stderr = (probe.stderr ?? '').split('\n').find((line) => /Error|error:|cannot open/.test(line));
  return stderr?.trim() ?? `the probe exited with ${probe.status ?? probe.signal}`;
}

function fixFor(attempts: Attempt[]): string {
  const reasons = attempts.map((a) => a.error ?? '').join('\n');
  if (/lib(c10|torch\w*)\.so/.test(reasons)) return `install libtorch: ${INSTALL_LIBTORCH}`;
  if (attempts.length === 0) return `build it: ${INSTALL_LIBTORCH} cmake && npm run build:addon`;
  return `rebuild it from source: ${INSTALL_LIBTORCH} cmake && npm run build:addon`;
}

/** The binary loadAddon loaded last (what runtimeInfo().addon reports). */
let loadedFile: string | undefined;

export function loadedAddonFile(): string | undefined {
  return loadedFile;
}

export function loadAddon(root = packageRoot): NativeAddon {
  const attempts: Attempt[] = [];
  const candidates = addonCandidates(root);
  const localBuild = path.join(root, 'build', 'Release', 'diff_prompt.node');
  for (const file of candidates) {
    const isPrebuild = file !== localBuild && !process.env.DIFF_PROMPT_ADDON;
    const probeError = isPrebuild ? probeInChild(file) : undefined;
    if (probeError) {
      attempts.push({ file, error: probeError });
      continue;
    }
    try {
      const loaded = require(file) as NativeAddon;
      loadedFile = file;
      return loaded;
    } catch (error) {
      attempts.push({ file, error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
    }
  }
  const tried = attempts.length ? attempts.map((a) => `  - ${a.file}: ${a.error}`).join('\n') : `  - no build/Release/diff_prompt.node and no prebuilt binary for ${process.platform}-${process.arch}`;
  throw new DiffPromptError('ERR_NATIVE_LOAD', `the diff-prompt addon could not be loaded. Tried:\n${tried}\nFix: ${fixFor(attempts)}`);
}

let addon: NativeAddon | undefined;

/** The loaded addon (loaded once per thread, on first use). */
export function native(): NativeAddon {
  if (!addon) {
    addon = loadAddon();
    addon.setErrorClass(DiffPromptError as unknown as new (code: string, message: string) => Error);
  }
  return addon;
}
