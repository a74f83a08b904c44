#!/usr/bin/env bash
# Side-by-side comparison of Coroscope (build/release/bench/coroscope_bench) with
# CPython asyncio (bench/asyncio_bench.py) on the workloads W1..W4 of bench_runtime.cpp.
#
#   bench/compare.sh [--quick] [--runs K] [--asyncio-1m-runs K] [--keep DIR]
#
# Full run: every configuration 3 times, one process at a time, each process under
# /usr/bin/time -v (peak RSS = "Maximum resident set size"); the two implementations
# alternate within a configuration so that drifting background load hits both alike.
#   W1 sleep-gather  N = 10k, 100k, 1M      (wall - 2000 ms, spawn ms, bytes per sleeping task)
#   W2 spawn-cancel  N = 100k, 1M           (spawn ms, cancel ms)
#   W3 queue         1M items               (items/s)
#   W4 as_completed  N = 100k               (ms)
#   plus Coroscope-only variants: W1 1M --no-journal, W2 1M --raise-cancelled
#   (their asyncio column repeats the asyncio W1 1M / W2 1M medians).
# --quick: one run of the small sizes only (W1 10k, W2 100k, and W3 100k items,
#   W4 10k, the variants at W1 10k / W2 100k), as a smoke check of the whole path.
# --asyncio-1m-runs K: run the asyncio 1M configurations only K times (they take
#   about a minute each); the Coroscope side keeps --runs.
# --keep DIR: keep the raw outputs (JSON lines and time -v reports) in DIR.
#
# Prints a Markdown table (medians) followed by the raw per-run values.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
CORO="${COROSCOPE_BENCH:-$root/build/release/bench/coroscope_bench}"
PYBENCH="$here/asyncio_bench.py"
PY="${PYTHON:-python3}"
TIME=/usr/bin/time

quick=0
runs=3
a1m_runs=""
keep=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1; runs=1 ;;
        --runs) runs="$2"; shift ;;
        --asyncio-1m-runs) a1m_runs="$2"; shift ;;
        --keep) keep="$2"; shift ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$a1m_runs" ] || a1m_runs="$runs"

[ -x "$CORO" ] || { echo "missing $CORO (build the release preset first; this script does not build)" >&2; exit 1; }
[ -x "$TIME" ] || { echo "missing $TIME (apt-get install time)" >&2; exit 1; }
command -v "$PY" >/dev/null || { echo "missing $PY" >&2; exit 1; }

if [ -n "$keep" ]; then
    mkdir -p "$keep"; out="$(cd "$keep" && pwd)"
else
    out="$(mktemp -d "${TMPDIR:-/tmp}/coroscope-compare.XXXXXX")"
    trap 'rm -rf "$out"' EXIT
fi

# Configurations: tag  workload  N  extra-coroscope-flags  (tag "-" flags = none)
if [ "$quick" = 1 ]; then
    configs=(
        "w1 10000 -"
        "w2 100000 -"
        "w3 100000 -"
        "w4 10000 -"
        "w1 10000 --no-journal"
        "w2 100000 --raise-cancelled"
    )
else
    configs=(
        "w1 10000 -"
        "w1 100000 -"
        "w1 1000000 -"
        "w2 100000 -"
        "w2 1000000 -"
        "w3 1000000 -"
        "w4 100000 -"
        "w1 1000000 --no-journal"
        "w2 1000000 --raise-cancelled"
    )
fi

# run IMPL TAG I CMD...: one process under time -v; JSON line to $out/TAG.I.json
run_one() {
    local impl="$1" tag="$2" i="$3"; shift 3
    local base="$out/$impl.$tag.$i"
    local t0=$SECONDS
    if ! "$TIME" -v -o "$base.time" "$@" >"$base.json" 2>"$base.err"; then
        echo "FAILED: $* (see $base.err)" >&2
        cat "$base.err" >&2 || true
        exit 1
    fi
    printf '  %-8s %-28s run %d: %3ds  %s\n' "$impl" "$tag" "$i" $((SECONDS - t0)) "$(tail -n 1 "$base.json")" >&2
}

bin_id() { echo "$(stat -c '%y' "$CORO" | cut -d. -f1), sha256 $(sha256sum "$CORO" | cut -c1-12)"; }
bin_before="$(bin_id)"
load_before="$(uptime | sed 's/.*load average: //')"
echo "load before: $(uptime)" >&2
start=$SECONDS
for c in "${configs[@]}"; do
    read -r w n flags <<<"$c"
    if [ "$flags" = "-" ]; then
        tag="$w.$n"; cflags=()
    else
        tag="$w.$n${flags}"; cflags=("$flags")
    fi
    nruns="$runs"
    for ((i = 1; i <= nruns; i++)); do
        run_one coroscope "$tag" "$i" "$CORO" "$w" "$n" "${cflags[@]}"
        # asyncio has no journal and no cancel shortcut: its variants are the plain runs.
        if [ "$flags" = "-" ]; then
            ar="$runs"
            [ "$n" -ge 1000000 ] && ar="$a1m_runs"
            if [ "$i" -le "$ar" ]; then
                run_one asyncio "$tag" "$i" "$PY" "$PYBENCH" "$w" "$n"
            fi
        fi
    done
done
load_after="$(uptime | sed 's/.*load average: //')"
elapsed=$((SECONDS - start))
echo "load after: $(uptime)   ($elapsed s in all)" >&2
bin_after="$(bin_id)"

echo "Coroscope: \`$CORO\` ($bin_before); asyncio: $("$PY" --version 2>&1), default event loop."
if [ "$bin_before" != "$bin_after" ]; then
    echo
    echo "**Warning: the Coroscope binary changed during the comparison** (now $bin_after)."
fi
echo "Runs per configuration: $runs$([ "$a1m_runs" != "$runs" ] && echo " (asyncio at 1M: $a1m_runs)"); load average (1/5/15 min) before: $load_before, after: $load_after; $elapsed s in all."
echo

"$PY" - "$out" "$quick" <<'EOF'
import glob, json, os, re, statistics, sys

out, quick = sys.argv[1], sys.argv[2] == "1"

def load(impl, tag):
    runs = []
    for path in sorted(glob.glob(os.path.join(out, "%s.%s.*.json" % (impl, tag)))):
        lines = [l for l in open(path) if l.strip().startswith("{")]
        if not lines:
            continue
        d = json.loads(lines[-1])
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(path[:-5] + ".time").read())
        d["time_v_max_rss_kib"] = int(m.group(1)) if m else None
        runs.append(d)
    return runs

def med(runs, key):
    vals = [key(r) for r in runs]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None

def wall2(r): return r["wall_ms"] - 2000.0
def mib(r): return r["time_v_max_rss_kib"] / 1024.0 if r["time_v_max_rss_kib"] else None

def fmt(v, unit=""):
    if v is None: return "–"
    if abs(v) >= 100: s = "%.0f" % v
    elif abs(v) >= 10: s = "%.1f" % v
    else: s = "%.2f" % v
    return s + unit

def ratio(a, b):
    if a is None or b is None or b == 0: return "–"
    r = a / b
    return ("%.3f" % r) if r < 0.1 else ("%.2f" % r)

def n_label(n):
    return "%dM" % (n // 10**6) if n % 10**6 == 0 else ("%dk" % (n // 1000) if n % 1000 == 0 else str(n))

tags = sorted({os.path.basename(p).split(".", 1)[1].rsplit(".", 2)[0]
               for p in glob.glob(os.path.join(out, "coroscope.*.json"))},
              key=lambda t: (t.split(".")[0], "--" in t, int(re.match(r"w\d\.(\d+)", t).group(1))))

names = {"w1": "W1 sleep-gather", "w2": "W2 spawn-cancel", "w3": "W3 queue", "w4": "W4 as_completed"}
print("| workload | N | metric | Coroscope median | asyncio median | ratio Coroscope/asyncio | peak RSS Coroscope (MiB) | peak RSS asyncio (MiB) | B per sleeping task Coroscope / asyncio |")
print("|---|---|---|---|---|---|---|---|---|")
for tag in tags:
    w, rest = tag.split(".", 1)
    n = int(re.match(r"(\d+)", rest).group(1))
    flag = rest[len(str(n)):]
    c = load("coroscope", tag)
    a = load("asyncio", "%s.%d" % (w, n))   # variants compare with the plain asyncio runs
    label = names[w] + (" `%s`" % flag if flag else "")
    cr, ar = fmt(med(c, mib)), fmt(med(a, mib))
    if flag:
        ar += " (plain run)"
    runs_note = "" if len(c) == len(a) or flag else " (runs: %d / %d)" % (len(c), len(a))
    if w == "w1":
        metrics = [("wall − 2000 ms", wall2), ("spawn ms", lambda r: r["spawn_ms"])]
    elif w == "w2":
        metrics = [("spawn ms", lambda r: r["spawn_ms"]), ("cancel ms", lambda r: r["cancel_ms"])]
    elif w == "w3":
        metrics = [("M items/s (higher is better)", lambda r: r["items_per_s"] / 1e6)]
    else:
        metrics = [("ms", lambda r: r["ms"])]
    for i, (mname, key) in enumerate(metrics):
        cm, am = med(c, key), med(a, key)
        bpt = ""
        if w == "w1" and i == 0:
            bpt = "%s / %s" % (fmt(med(c, lambda r: r["bytes_per_sleeping_task"])),
                               fmt(med(a, lambda r: r["bytes_per_sleeping_task"])))
        print("| %s | %s | %s%s | %s | %s | %s | %s | %s | %s |" % (
            label, n_label(n), mname, runs_note, fmt(cm), fmt(am), ratio(cm, am),
            cr if i == 0 else "", ar if i == 0 else "", bpt))

bad = []
for p in glob.glob(os.path.join(out, "*.json")):
    d = json.loads([l for l in open(p) if l.strip().startswith("{")][-1])
    if d["result"] != d["n"]:
        bad.append("%s: result %s != n %s" % (os.path.basename(p), d["result"], d["n"]))
print()
print("Ratio < 1: Coroscope takes less time (for M items/s, > 1: Coroscope moves more items). "
      "Peak RSS from `/usr/bin/time -v`; bytes per sleeping task = (RSS while all W1 tasks sleep − RSS before) / N, from /proc/self/statm.")
if bad:
    print()
    print("**Result check failed:** " + "; ".join(sorted(bad)))
else:
    print("Every run returned result == N.")
print()
print("Raw runs (key metric per run, in run order):")
print()
for tag in tags:
    w = tag.split(".")[0]
    n = int(re.match(r"w\d\.(\d+)", tag).group(1))
    for impl, t in (("coroscope", tag), ("asyncio", "%s.%d" % (w, n))):
        if impl == "asyncio" and t != tag:
            continue
        rs = load(impl, t)
        if w == "w1":
            vals = ["wall−2s %.1f spawn %.1f B/task %s" % (wall2(r), r["spawn_ms"], r["bytes_per_sleeping_task"]) for r in rs]
        elif w == "w2":
            vals = ["spawn %.1f cancel %.1f" % (r["spawn_ms"], r["cancel_ms"]) for r in rs]
        elif w == "w3":
            vals = ["%.2f M/s" % (r["items_per_s"] / 1e6) for r in rs]
        else:
            vals = ["%.1f ms" % r["ms"] for r in rs]
        print("- %s %s: %s" % (impl, tag, "; ".join(vals)))
EOF
