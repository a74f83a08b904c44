#!/usr/bin/env bash
# Differential testing against CPython asyncio on generated task sets:
#
#   scripts/differential.sh N [SEED]
#
# runs N generated sets from SEED (default: a random seed, printed) through Coroscope
# and through the reference asyncio runner, two sets at a time, and prints how many
# agree, how many disagree and the failing seeds. Every set that does not agree is
# kept, with both logs and the differences, under build/differential/seed-S/.
# Replay one: python3 tests/differential/gen_taskset.py S -o set.json.
set -euo pipefail
cd "$(dirname "$0")/.."

count=${1:-}
seed=${2:-$(( (RANDOM << 15 | RANDOM) % 1000000 + 1 ))}
case "$count$seed" in
  '' | *[!0-9]*) echo "usage: $0 N [SEED]" >&2; exit 2 ;;
esac

export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake --preset dev >/dev/null
cmake --build --preset dev -j 2 --target coroscope >/dev/null

echo "seeds $seed..$((seed + count - 1))"
exec python3 tests/differential/differential.py --coroscope build/dev/app/coroscope \
  --seed "$seed" --count "$count" --jobs 2 --out build/differential
