#!/usr/bin/env node
// The one place that knows how the addon is compiled: which libtorch, which sources, which
// flags. CMakeLists.txt and binding.gyp both ask this script, so the two builds cannot drift.
//
//   node scripts/native-build-flags.js json          everything below, as JSON (CMake reads this)
//   node scripts/native-build-flags.js sources       native sources, one per line (binding.gyp)
//   node scripts/native-build-flags.js include-dirs  include directories (binding.gyp)
//   node scripts/native-build-flags.js cflags        compiler flags (binding.gyp)
//   node scripts/native-build-flags.js ldflags       linker search paths and rpath (binding.gyp)
//   node scripts/native-build-flags.js libraries     libraries to link (binding.gyp)
//
// libtorch is looked for in this order, each candidate checked to exist before it is used:
// $Torch_DIR (a folder holding TorchConfig.cmake), $LIBTORCH (an unpacked libtorch, CPU or
// CUDA), the cmake prefix of a Python torch (`torch.utils.cmake_prefix_path`), Debian's
// libtorch-dev.

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const DEBIAN_TORCH_DIR = '/usr/lib/x86_64-linux-gnu/cmake/Torch';
const SYSTEM_LIB_DIRS = new Set(['/usr/lib', '/usr/lib64', '/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu']);

/** A folder with TorchConfig.cmake → where its libraries and headers are, or why not. */
function describeTorchDir(torchDir) {
  if (!fs.existsSync(path.join(torchDir, 'TorchConfig.cmake'))) {
    return { error: `no TorchConfig.cmake in ${torchDir}` };
  }
  // Two layouts: <prefix>/share/cmake/Torch (libtorch zips, pip) and <libdir>/cmake/Torch (Debian).
  const libDirCandidates = [path.resolve(torchDir, '../../../lib'), path.resolve(torchDir, '../..')];
  const libDir = libDirCandidates.find((dir) => fs.existsSync(dir) && fs.readdirSync(dir).some((name) => name.startsWith('libtorch_cpu.so')));
  if (!libDir) return { error: `no libtorch_cpu.so next to ${torchDir}` };
  const includeRoots = [path.resolve(torchDir, '../../../include'), '/usr/include'];
  const includeRoot = includeRoots.find((dir) => fs.existsSync(path.join(dir, 'torch/csrc/api/include/torch/torch.h')));
  if (!includeRoot) return { error: `no torch/csrc/api/include/torch/torch.h for ${torchDir}` };
  const config = fs.readFileSync(path.join(torchDir, 'TorchConfig.cmake'), 'utf8');
  const abi = (config.match(/_GLIBCXX_USE_CXX11_ABI=(\d)/) ?? [])[1] ?? '1';
  const cuda = fs.readdirSync(libDir).some((name) => name.startsWith('libtorch_cuda.so'));
  return { torchDir, libDir, includeRoot, abi, cuda };
}

function pythonTorchDir() {
  try {
    const prefix = execFileSync('python3', ['-c', 'import torch.utils; print(torch.utils.cmake_prefix_path)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30000,
    }).trim();
    return path.join(prefix, 'Torch');
  } catch {
    return undefined;
  }
}

function findTorch() {
  const candidates = [
    ['Torch_DIR', process.env.Torch_DIR],
    ['LIBTORCH', process.env.LIBTORCH && path.join(process.env.LIBTORCH, 'share/cmake/Torch')],
    ['python', pythonTorchDir()],
    ['debian', DEBIAN_TORCH_DIR],
  ];
  const tried = [];
  for (const [origin, dir] of candidates) {
    if (!dir) {
      tried.push(`${origin}: not set`);
      continue;
    }
    const found = describeTorchDir(dir);
    if (!found.error) return { origin, ...found, tried };
    tried.push(`${origin}: ${found.error}`);
  }
  const help = [
    'libtorch was not found. Tried:',
    ...tried.map((line) => `  - ${line}`),
    "Install Debian's: apt-get install -y libtorch-dev libopenblas0-openmp cmake",
    'or point at another one: LIBTORCH=/path/to/libtorch npm run build:addon',
  ];
  throw new Error(help.join('\n'));
}

/** Every file under native/ that is compiled (.cc) or included (.h), sorted. */
function nativeFiles() {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(cc|h)$/.test(entry.name)) out.push(path.relative(root, full));
    }
  };
  walk(path.join(root, 'native'));
  return out.sort();
}

/** sha256 over the native sources and the build description: embedded in the binary, so a
 * prebuilt addon can be checked against the sources it claims to come from. */
function sourceHash(files) {
  const hash = crypto.createHash('sha256');
  for (const file of [...files, 'CMakeLists.txt', 'binding.gyp', 'scripts/native-build-flags.js']) {
    hash.update(file.replace(/\\/g, '/')).update('\0');
    hash.update(fs.readFileSync(path.join(root, file))).update('\0');
  }
  return hash.digest('hex');
}

/** Writes build/generated/source_hash.h (only when it changes, so that nothing else rebuilds):
 * a header, not a -D flag, because a flag change rebuilds every unit and the precompiled header. */
function writeSourceHashHeader(hash) {
  const dir = path.join(root, 'build', 'generated');
  const file = path.join(dir, 'source_hash.h');
  const text = `// Generated by scripts/native-build-flags.js: sha256 of the native sources.\n#pragma once\n#define DIFF_PROMPT_SOURCE_HASH "${hash}"\n`;
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return dir;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, text);
  return dir;
}

function buildFlags() {
  const torch = findTorch();
  const files = nativeFiles();
  const generatedDir = writeSourceHashHeader(sourceHash(files));
  const libraries = ['torch', 'torch_cpu', 'c10', ...(torch.cuda ? ['torch_cuda', 'c10_cuda'] : [])];
  const rpath = SYSTEM_LIB_DIRS.has(torch.libDir) ? [] : [torch.libDir];
  return {
    torch,
    sources: files.filter((file) => file.endsWith('.cc')),
    files,
    includeDirs: ['native', generatedDir, require('node-addon-api').include_dir, torch.includeRoot, path.join(torch.includeRoot, 'torch/csrc/api/include')],
    libDir: torch.libDir,
    libraries,
    rpath,
    defines: [
      `_GLIBCXX_USE_CXX11_ABI=${torch.abi}`,
      // A bare token, stringified in C++: quotes do not survive gyp's shell quoting.
      `DIFF_PROMPT_TORCH_ORIGIN=${torch.origin}`,
      'NAPI_VERSION=8',
      'NAPI_CPP_EXCEPTIONS',
      'NODE_ADDON_API_DISABLE_DEPRECATED',
      ...(torch.cuda ? ['DIFF_PROMPT_WITH_CUDA=1'] : []),
    ],
    cxxFlags: ['-std=c++17', '-O2', '-fPIC', '-fvisibility=hidden', '-Wall', '-Wno-unused-parameter'],
    // --no-as-needed keeps libtorch_cuda loaded even though no symbol of it is named: its
    // static initialisers register the CUDA kernels and hooks.
    ldFlags: [`-L${torch.libDir}`, ...rpath.map((dir) => `-Wl,-rpath,${dir}`)],
    linkLibraries: ['-Wl,--no-as-needed', ...libraries.map((lib) => `-l${lib}`), '-Wl,--as-needed'],
  };
}

function main() {
  const what = process.argv[2] ?? 'json';
  let flags;
  try {
    flags = buildFlags();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
  const quoteDefine = (d) => `-D${d}`;
  const outputs = {
    json: () => JSON.stringify(flags, null, 2),
    sources: () => flags.sources.join('\n'),
    'include-dirs': () => flags.includeDirs.join('\n'),
    cflags: () => [...flags.cxxFlags, ...flags.defines.map(quoteDefine)].join('\n'),
    ldflags: () => flags.ldFlags.join('\n'),
    libraries: () => flags.linkLibraries.join('\n'),
  };
  if (!outputs[what]) {
    console.error(`unknown output "${what}"; one of ${Object.keys(outputs).join(', ')}`);
    process.exit(2);
  }
  console.log(outputs[what]());
}

if (require.main === module) main();
module.exports = { buildFlags, findTorch, nativeFiles, sourceHash };
