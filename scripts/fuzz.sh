#!/usr/bin/env bash
# Builds the fuzz preset (clang, libFuzzer + AddressSanitizer + UBSan) and runs each
# fuzz target for SECONDS (default 60) on a scratch copy of its committed corpus:
#
#   scripts/fuzz.sh [SECONDS]
#
# Prints each target's executions and any crash, leak or timeout input it wrote
# (under build/fuzz/findings/TARGET/). Exits non-zero when a target found something.
# A finding, once fixed, belongs in fuzz/corpus/TARGET/ so that the ctests
# fuzz-replay-* keep it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

bash scripts/install-deps.sh

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

work=build/fuzz/findings
status=0
for target in taskset logreader probereader durations; do
  printf '\n==> fuzz_%s for %ss\n' "$target" "$seconds"
  corpus=$work/$target/corpus
  artifacts=$work/$target/artifacts
  rm -rf "$work/$target"
  mkdir -p "$corpus" "$artifacts"
  cp fuzz/corpus/$target/* "$corpus/"
  log=$work/$target/fuzz.log
  rc=0
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    build/fuzz/fuzz/fuzz_$target "$corpus" \
      -max_len=65536 -max_total_time="$seconds" -timeout=10 \
      -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  printf 'executions: %s\n' "${execs:-unknown}"
  tail -n 3 "$log" | grep -v '^stat::' || true
  found=$(find "$artifacts" -type f | sort)
  if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
    status=1
    printf 'fuzz_%s stopped with exit code %s; log: %s\n' "$target" "$rc" "$log"
    grep -m 1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log" || true
    for f in $found; do printf 'finding: %s\n' "$f"; done
  else
    printf 'no finding\n'
  fi
done
exit "$status"
