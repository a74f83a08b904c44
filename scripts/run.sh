#!/usr/bin/env bash
# Installs what is missing, builds the optimised app and starts it. Arguments are
# passed to coroscope; with none it starts the dashboard where there is a display,
# and runs the gather-basics task set on the command line where there is none.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target coroscope

if [ $# -eq 0 ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  set -- run gather-basics
fi
exec ./build/release/app/coroscope "$@"
