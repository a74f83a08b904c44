#!/usr/bin/env bash
# Side-by-side comparison of Coroscope (build/release/bench/coroscope_bench) with
# CPython asyncio (bench/asyncio_bench.py) on the workloads W1..W4 of bench_runtime.cpp.
#
#   bench/compare.sh [--quick] [--runs K] [--asyncio-1m-runs K] [--no-gui] [--keep DIR]
#   bench/compare.sh --probe [--quick] [--runs K] [--keep DIR]
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
# Then the dashboard with the `million` set running, as many times, under Xvfb
# (build/release/bench/coroscope_bench_dashboard: worst frame gap, model tick).
# --quick: one run of the small sizes only (W1 10k, W2 100k, and W3 100k items,
#   W4 10k, the variants at W1 10k / W2 100k, the dashboard with `gather-basics`),
#   as a smoke check of the whole path.
# --no-gui: leave the dashboard out (its row says so).
# --asyncio-1m-runs K: run the asyncio 1M configurations only K times (they take
#   about a minute each); the Coroscope side keeps --runs.
# --keep DIR: keep the raw outputs (JSON lines and time -v reports) in DIR.
# --probe: only what the C++ probe costs (runtime/probe.h): W1 1M (10k with --quick)
#   with the probe off (the benchmark's own journal reader), on with nobody attached
#   (COROSCOPE_PROBE=1), and attached (`coroscope attach --socket S` from the start to
#   the end; the app is $COROSCOPE_APP, else build/release/app/coroscope), the three
#   alternating within each run; then their medians and the ratios to off.
#
# Prints the headline table (the README's Performance table), then every
# configuration's medians in a Markdown table, then the raw per-run values.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
CORO="${COROSCOPE_BENCH:-$root/build/release/bench/coroscope_bench}"
DASH="${COROSCOPE_BENCH_DASHBOARD:-$root/build/release/bench/coroscope_bench_dashboard}"
PYBENCH="$here/asyncio_bench.py"
PY="${PYTHON:-python3}"
TIME=/usr/bin/time

quick=0
runs=3
a1m_runs=""
keep=""
gui=1
probe=0
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1; runs=1 ;;
        --runs) runs="$2"; shift ;;
        --asyncio-1m-runs) a1m_runs="$2"; shift ;;
        --keep) keep="$2"; shift ;;
        --no-gui) gui=0 ;;
        --probe) probe=1 ;;
        -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
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

bin_id() { echo "$(stat -c '%y' "$CORO" | cut -d. -f1), sha256 $(sha256sum "$CORO" | cut -c1-12)"; }

if [ "$probe" = 1 ]; then
    APP="${COROSCOPE_APP:-$root/build/release/app/coroscope}"
    [ -x "$APP" ] || { echo "missing $APP (set COROSCOPE_APP to a coroscope binary)" >&2; exit 1; }
    n=1000000
    [ "$quick" = 1 ] && n=10000
    echo "load before: $(uptime)" >&2
    load_before="$(uptime | sed 's/.*load average: //')"
    for ((i = 1; i <= runs; i++)); do
        for mode in off on attached; do
            base="$out/$mode.$i"
            sockets="$(mktemp -d "${TMPDIR:-/tmp}/coroscope-probe.XXXXXX")"
            t0=$SECONDS
            case "$mode" in
                off) env -u COROSCOPE_PROBE "$TIME" -v -o "$base.time" "$CORO" w1 "$n" >"$base.json" 2>"$base.err" ;;
                on) XDG_RUNTIME_DIR="$sockets" COROSCOPE_PROBE=1 "$TIME" -v -o "$base.time" "$CORO" w1 "$n" >"$base.json" 2>"$base.err" ;;
                attached)
                    XDG_RUNTIME_DIR="$sockets" COROSCOPE_PROBE=1 "$TIME" -v -o "$base.time" "$CORO" w1 "$n" >"$base.json" 2>"$base.err" &
                    bench=$!
                    # The socket appears when the benchmark's loop is made: attach then.
                    until compgen -G "$sockets/coroscope/*.sock" >/dev/null || ! kill -0 "$bench" 2>/dev/null; do sleep 0.005; done
                    sock="$(compgen -G "$sockets/coroscope/*.sock" | head -n 1)"
                    "$APP" attach --socket "$sock" --seconds 600 >"$base.attach" 2>&1 &
                    client=$!
                    wait "$bench"
                    wait "$client" || echo "  attach ended with exit code $? (see $base.attach)" >&2
                    ;;
            esac
            rm -rf "$sockets"
            printf '  probe %-9s run %d: %3ds  %s\n' "$mode" "$i" $((SECONDS - t0)) "$(tail -n 1 "$base.json")" >&2
        done
    done
    load_after="$(uptime | sed 's/.*load average: //')"
    echo "W1 $n, \`$CORO\` ($(bin_id)); attach: \`$APP\`; runs: $runs, the three modes alternating; load average before: $load_before, after: $load_after."
    echo
    "$PY" - "$out" "$runs" <<'EOF'
import json, os, re, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
def load(mode):
    rs = []
    for i in range(1, runs + 1):
        d = json.loads([l for l in open(os.path.join(out, "%s.%d.json" % (mode, i))) if l.startswith("{")][-1])
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(os.path.join(out, "%s.%d.time" % (mode, i))).read())
        d["rss_mib"] = int(m.group(1)) / 1024.0
        if mode == "attached":
            d["client"] = open(os.path.join(out, "attached.%d.attach" % i)).read().strip().splitlines()[-1:]
        rs.append(d)
    return rs
modes = {m: load(m) for m in ("off", "on", "attached")}
metrics = [("wall − 2000 ms", lambda r: r["wall_ms"] - 2000.0), ("spawn ms", lambda r: r["spawn_ms"]),
           ("peak RSS MiB", lambda r: r["rss_mib"]), ("B per sleeping task", lambda r: r["bytes_per_sleeping_task"])]
if all("loop_cpu_ms" in r for v in modes.values() for r in v):
    metrics[2:2] = [("CPU ms, the loop's thread", lambda r: r["loop_cpu_ms"]), ("CPU ms, the process", lambda r: r["cpu_ms"])]
print("| W1 metric (median) | probe off | on, nobody attached | attached | on / off | attached / off |")
print("|---|---|---|---|---|---|")
for name, key in metrics:
    m = {k: statistics.median(key(r) for r in v) for k, v in modes.items()}
    print("| %s | %.0f | %.0f | %.0f | %.2f | %.2f |" % (name, m["off"], m["on"], m["attached"], m["on"] / m["off"], m["attached"] / m["off"]))
print()
for k, v in modes.items():
    print("- %s: %s" % (k, "; ".join("wall−2s %.1f spawn %.1f" % (r["wall_ms"] - 2000.0, r["spawn_ms"])
                                     + (" CPU loop %.0f process %.0f" % (r["loop_cpu_ms"], r["cpu_ms"]) if "cpu_ms" in r else "")
                                     for r in v)))
print("- the attached client's last line, per run: %s" % " | ".join(" ".join(r["client"]) for r in modes["attached"]))
bad = [k for k, v in modes.items() for r in v if r["result"] != r["n"] or r["probe"] != (k != "off")]
print("Every run returned result == N, with the probe as its mode says." if not bad else "**Check failed:** %s" % bad)
EOF
    exit 0
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
# The dashboard: the real window under Xvfb, as in bench_dashboard.cpp's header.
gui_set=million
[ "$quick" = 1 ] && gui_set=gather-basics
gui_note=""
if [ "$gui" = 0 ]; then
    gui_note="left out (--no-gui)"
elif [ ! -x "$DASH" ]; then
    gui_note="left out: missing $DASH"
elif ! command -v xvfb-run >/dev/null; then
    gui_note="left out: missing xvfb-run (apt-get install xvfb)"
else
    for ((i = 1; i <= runs; i++)); do
        run_one dashboard "$gui_set" "$i" xvfb-run -a -s "-screen 0 1600x1000x24" "$DASH" "$gui_set"
    done
fi
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

"$PY" - "$out" "$quick" "$gui_set" "$gui_note" <<'EOF'
import glob, json, os, re, statistics, sys

out, quick, gui_set, gui_note = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4]

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

def size(w):
    # The largest N run of the plain workload w (1M, or the small size under --quick).
    ns = [int(re.match(r"w\d\.(\d+)$", t).group(1)) for t in tags if t.startswith(w + ".") and "--" not in t]
    return max(ns) if ns else None

def ms_or_s(v):
    if v is None: return "–"
    return ("%.1f s" % (v / 1000.0)) if v >= 10000 else fmt(v, " ms")

def headline():
    rows = []
    n = size("w1")
    if n:
        c, a = load("coroscope", "w1.%d" % n), load("asyncio", "w1.%d" % n)
        cw, aw = med(c, wall2), med(a, wall2)
        rows.append(("W1 %s sleeping tasks gathered: wall − 2 s" % n_label(n), ms_or_s(cw), ms_or_s(aw), ratio(cw, aw)))
        cr, ar = med(c, mib), med(a, mib)
        cb = med(c, lambda r: r["bytes_per_sleeping_task"])
        ab = med(a, lambda r: r["bytes_per_sleeping_task"])
        rows.append(("W1 %s: peak RSS; bytes per sleeping task" % n_label(n), "%s MiB; %s B" % (fmt(cr), fmt(cb)),
                     "%s MiB; %s B" % (fmt(ar), fmt(ab)), ratio(cr, ar)))
    n = size("w2")
    if n:
        c, a = load("coroscope", "w2.%d" % n), load("asyncio", "w2.%d" % n)
        cs, cc = med(c, lambda r: r["spawn_ms"]), med(c, lambda r: r["cancel_ms"])
        as_, ac = med(a, lambda r: r["spawn_ms"]), med(a, lambda r: r["cancel_ms"])
        rows.append(("W2 spawn / cancel %s tasks" % n_label(n), "%s / %s" % (ms_or_s(cs), ms_or_s(cc)),
                     "%s / %s" % (ms_or_s(as_), ms_or_s(ac)), "%s / %s" % (ratio(cs, as_), ratio(cc, ac))))
    n = size("w3")
    if n:
        c = med(load("coroscope", "w3.%d" % n), lambda r: r["items_per_s"] / 1e6)
        a = med(load("asyncio", "w3.%d" % n), lambda r: r["items_per_s"] / 1e6)
        rows.append(("W3 queue, %s items, 1 producer, 8 consumers" % n_label(n), fmt(c, " M items/s"), fmt(a, " M items/s"),
                     ("%.0f× the rate" % (c / a)) if c and a else "–"))
    n = size("w4")
    if n:
        c, a = med(load("coroscope", "w4.%d" % n), lambda r: r["ms"]), med(load("asyncio", "w4.%d" % n), lambda r: r["ms"])
        rows.append(("W4 as_completed %s with a done-callback each" % n_label(n), ms_or_s(c), ms_or_s(a), ratio(c, a)))
    label = "dashboard with the `%s` set running: worst frame gap; model tick (median)" % gui_set
    if gui_note:
        rows.append((label, gui_note, "", ""))
    else:
        runs = []
        for path in sorted(glob.glob(os.path.join(out, "dashboard.%s.*.json" % gui_set))):
            lines = [l for l in open(path) if l.strip().startswith("{")]
            if lines:
                runs.append(json.loads(lines[-1]))
        gaps = [r["frame_gap_ms"]["worst"] for r in runs]
        tick = med(runs, lambda r: r["tick_cpu_ms"]["median"])
        gap = ("%.0f" % min(gaps)) + ("" if len(gaps) < 2 else "-%.0f" % max(gaps))
        rows.append((label, "%s ms; %s ms of the GUI thread" % (gap, fmt(tick)) if runs else "–", "", ""))
    print("| workload | Coroscope | asyncio | Coroscope / asyncio |")
    print("|---|---|---|---|")
    for r in rows:
        print("| %s | %s | %s | %s |" % r)

headline()
print()
print("Every configuration:")
print()

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
for p in glob.glob(os.path.join(out, "coroscope.*.json")) + glob.glob(os.path.join(out, "asyncio.*.json")):
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
for path in sorted(glob.glob(os.path.join(out, "dashboard.%s.*.json" % gui_set))):
    lines = [l for l in open(path) if l.strip().startswith("{")]
    if lines:
        d = json.loads(lines[-1])
        print("- dashboard %s run %s: %s renderer, %s tasks, worst frame gap %.1f ms (median %.1f), tick CPU median %.2f ms, worst %.2f ms"
              % (gui_set, path.rsplit(".", 2)[1], d["renderer"], d["tasks"], d["frame_gap_ms"]["worst"],
                 d["frame_gap_ms"]["median"], d["tick_cpu_ms"]["median"], d["tick_cpu_ms"]["worst"]))
EOF
