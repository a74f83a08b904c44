#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test suite:
#   1. the dev build (all suites, ctest),
#   2. the runtime, task-set, log and monitor suites and the fuzz corpora's replays
#      under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. the runtime, log and monitor suites under ThreadSanitizer (the monitor's run the
#      loops on threads of their own and drains their journals from another; the log's
#      event spools are written by a thread of their own).
# Used as-is by CI (.ci/run). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

jobs=$(nproc)
# ccache hits across checkouts in other folders (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true

step() { printf '\n==> %s\n' "$*"; }

step "dev build and every suite"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
ctest --preset dev -j "$jobs"

step "runtime, task-set, log and monitor suites under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs" --target tst_runtime tst_probe tst_taskset tst_interpreter tst_logs tst_awaitchain tst_monitor tst_taskmonitor replay_taskset replay_logreader replay_probereader replay_durations
ctest --preset asan -L "runtime|taskset|log\$|monitor|fuzz"

step "runtime, log and monitor suites under ThreadSanitizer"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs" --target tst_runtime tst_probe tst_logs tst_awaitchain tst_monitor tst_taskmonitor
ctest --preset tsan -L "runtime|log\$|monitor"
