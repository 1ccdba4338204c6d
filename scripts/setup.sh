#!/usr/bin/env bash
# Everything the quick start needs on a fresh Debian 12 with Node 20, run as root: Debian's
# libtorch, OpenBLAS (libtorch otherwise runs on reference BLAS, ~50x slower), cmake and a
# compiler; Debian's PyTorch for the parity tests (the same libtorch); Debian's Chromium for the
# served page's browser test; the npm packages; the
# addon built from source. Safe to run again: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libtorch-dev libopenblas0-openmp cmake g++ make python3-torch chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]}. Run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing ${missing[*]} ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" != "--no-build" ]; then
  mkdir -p build
  if ! npx cmake-js compile --out build >build/cmake-js.log 2>&1; then
    tail -40 build/cmake-js.log >&2
    echo "the addon build failed: the full log is build/cmake-js.log" >&2
    exit 1
  fi
fi
