#!/usr/bin/env bash
# Installs what is missing, builds the optimised app and starts it. Arguments are
# passed to coroscope; with none it runs the runtime demo on the command line.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target coroscope

if [ $# -eq 0 ]; then
  set -- demo
fi
exec ./build/release/app/coroscope "$@"
