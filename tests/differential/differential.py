#!/usr/bin/env python3
"""Differential testing of Coroscope against CPython asyncio on generated sets.

Usage::

    python3 differential.py --coroscope BIN (--seeds A-B | --seed S --count N)
                            [--out DIR] [--jobs 2] [--timeout SECONDS]

For every seed: gen_taskset.py writes the set, `coroscope validate` checks it,
the reference runner (tests/conformance/asyncio_runner.py) and `coroscope run
--export` run it one after the other, and compare_logs.py compares the two
logs. Every seed that does not agree keeps a folder OUT/seed-N/ with the set,
both logs and the differences (or the error). Outcomes:

* agree, disagree (compare_logs found differences, and again on a second run of
  both sides);
* flaky: disagreed once, agreed on the second run (timing noise from the load on
  the machine); listed, kept, but not a failure;
* refused: a side refused the set (exit 2 or validate errors): a generator bug;
* timeout: a side ran longer than --timeout and was killed;
* crash: a side exited with another code (the code is reported);
* nogen: the generator found no tie-free set for the seed.

At most --jobs seeds run at once (default 2: the machine has two cores; both
sides of one seed never run at the same time). Prints one line per seed that
does not agree and a summary with the failing seeds, disagreements grouped by
signature (the op and field of each difference). Exit 0 when every seed
agrees (or is flaky), 1 otherwise, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.join(HERE, "..", "conformance")


@dataclass
class Outcome:
    seed: int
    kind: str                 # agree | disagree | refused | timeout | crash | nogen
    detail: str = ""
    signature: tuple = ()
    lines: list[str] = field(default_factory=list)


def _run(cmd: list[str], timeout: float) -> tuple[int | None, str, str]:
    """Run cmd; (exit code or None on timeout, stdout, stderr). Kills on timeout."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)  # the runner's pool processes go with it
        out, err = proc.communicate()
        return None, out, err


def signature(diff_lines: list[str], expected_log: dict) -> tuple:
    """The set of (op, field) of the differences, e.g. (('wait', 'result'),)."""
    ops = {t["name"]: t["op"] for t in expected_log.get("tasks", [])}
    sig = set()
    for line in diff_lines:
        if not line.startswith("task "):
            continue
        name, _, rest = line[5:].partition(": ")
        base = name.split(" (#")[0]
        fld = rest.split(":")[0] if not rest.startswith(("missing", "unexpected")) \
            else rest.split(" ")[0]
        op = ops.get(base, "?")
        sig.add((op, fld))
    return tuple(sorted(sig))


def run_seed(seed: int, coroscope: str, out_dir: str, timeout: float,
             gap: float | None = None) -> Outcome:
    work = tempfile.mkdtemp(prefix=f"coroscope-diff-{seed}-")
    try:
        outcome = _run_seed_in(seed, coroscope, work, timeout, gap)
        if outcome.kind != "agree":
            keep = os.path.join(out_dir, f"seed-{seed}")
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(work, keep)
            with open(os.path.join(keep, "diff.txt"), "w", encoding="utf-8") as fh:
                fh.write(f"{outcome.kind}: {outcome.detail}\n")
                fh.write("".join(line + "\n" for line in outcome.lines))
        return outcome
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run_seed_in(seed: int, coroscope: str, work: str, timeout: float,
                 gap: float | None) -> Outcome:
    path = os.path.join(work, "set.json")
    theirs = os.path.join(work, "asyncio.json")
    ours = os.path.join(work, "coroscope.json")
    code, _, err = _run([sys.executable, os.path.join(HERE, "gen_taskset.py"), str(seed),
                         "-o", path] + ([] if gap is None else ["--gap", str(gap)]), timeout * 4)
    if code != 0:
        return Outcome(seed, "nogen", f"generator exited {code}: {err.strip()}")

    code, out, err = _run([coroscope, "validate", path], timeout)
    if code != 0:
        return Outcome(seed, "refused" if code in (1, 2) else "crash",
                       f"coroscope validate exited {code}: {(out + err).strip()}")

    first = _run_both(seed, coroscope, path, theirs, ours, timeout)
    if first.kind != "disagree":
        return first
    # A loaded machine can stall either process for tens of milliseconds (an asyncio
    # run can be held 57 ms in its first step): a disagreement counts only when a
    # second run of both sides shows it again.
    again = _run_both(seed, coroscope, path, os.path.join(work, "asyncio-2.json"),
                      os.path.join(work, "coroscope-2.json"), timeout)
    if again.kind == "agree":
        first.kind = "flaky"
        first.detail = "disagreed once, agreed when run again: " + first.detail
    return first


def _run_both(seed: int, coroscope: str, path: str, theirs: str, ours: str,
              timeout: float) -> Outcome:
    """One run of each side, one after the other, and the comparison."""
    code, _, err = _run([sys.executable, os.path.join(CONFORMANCE, "asyncio_runner.py"),
                         path, theirs], timeout)
    if code is None:
        return Outcome(seed, "timeout", f"asyncio runner killed after {timeout:g} s")
    if code != 0:
        return Outcome(seed, "refused" if code == 2 else "crash",
                       f"asyncio runner exited {code}: {err.strip()[-2000:]}")

    code, _, err = _run([coroscope, "run", path, "--quiet", "--export", ours], timeout)
    if code is None:
        return Outcome(seed, "timeout", f"coroscope run killed after {timeout:g} s")
    if code != 0:
        return Outcome(seed, "refused" if code == 2 else "crash",
                       f"coroscope run exited {code}: {err.strip()[-2000:]}")

    code, out, err = _run([sys.executable, os.path.join(CONFORMANCE, "compare_logs.py"),
                           theirs, ours], timeout)
    lines = out.strip().splitlines()
    if code == 0:
        return Outcome(seed, "agree")
    if code != 1:
        return Outcome(seed, "crash", f"compare_logs exited {code}: {err.strip()}")
    with open(theirs, encoding="utf-8") as fh:
        expected = json.load(fh)
    diffs = [line for line in lines if line.startswith("task ")]
    return Outcome(seed, "disagree", lines[-1] if lines else "", signature(diffs, expected),
                   diffs)


def parse_seeds(args: argparse.Namespace) -> list[int]:
    if args.seeds:
        seeds: list[int] = []
        for part in args.seeds.split(","):
            lo, _, hi = part.partition("-")
            seeds += list(range(int(lo), int(hi or lo) + 1))
        return seeds
    return list(range(args.seed, args.seed + args.count))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--coroscope", required=True, help="the coroscope binary")
    parser.add_argument("--seeds", help="seeds, e.g. 1-40 or 3,7,10-12")
    parser.add_argument("--seed", type=int, default=1, help="first seed (with --count)")
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--out", default="differential-findings",
                        help="folder for the sets that do not agree (default %(default)s)")
    parser.add_argument("--jobs", type=int, default=2, help="seeds at once (at most 2)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per run")
    parser.add_argument("--gap", type=float, help="least distance between two events, ms "
                        "(default: the generator's)")
    parser.add_argument("--known", default="", help="seeds whose disagreement is known and kept as a "
                        "case in tests/differential/cases/ (e.g. 9,12): still run and reported, "
                        "but they do not fail the batch")
    args = parser.parse_args(argv)
    if not os.access(args.coroscope, os.X_OK):
        print(f"differential: {args.coroscope} is not an executable", file=sys.stderr)
        return 2
    seeds = parse_seeds(args)
    known = {int(k) for k in args.known.split(",") if k.strip()}
    jobs = max(1, min(2, args.jobs))
    os.makedirs(args.out, exist_ok=True)
    print(f"differential: {len(seeds)} seed(s) {seeds[0]}..{seeds[-1]}, {jobs} at once, "
          f"findings in {os.path.abspath(args.out)}", flush=True)

    lock = threading.Lock()
    outcomes: list[Outcome] = []

    def one(seed: int) -> None:
        try:
            o = run_seed(seed, args.coroscope, args.out, args.timeout, args.gap)
        except Exception as exc:  # a driver bug must not hide the other seeds
            o = Outcome(seed, "crash", f"driver: {exc!r}")
        with lock:
            outcomes.append(o)
            if o.kind != "agree":
                print(f"seed {seed}: {o.kind}: {o.detail}", flush=True)
                for line in o.lines[:6]:
                    print(f"    {line}", flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, seeds))

    by_kind: dict[str, list[int]] = defaultdict(list)
    for o in sorted(outcomes, key=lambda o: o.seed):
        by_kind[o.kind].append(o.seed)
    counts = ", ".join(f"{k} {len(by_kind[k])}" for k in
                       ("agree", "flaky", "disagree", "refused", "timeout", "crash", "nogen")
                       if by_kind[k])
    print(f"\ndifferential: {len(outcomes)} set(s): {counts}")
    for kind in ("flaky", "disagree", "refused", "timeout", "crash", "nogen"):
        if by_kind[kind]:
            print(f"  {kind}: seeds {' '.join(map(str, by_kind[kind]))}")
    groups: dict[tuple, list[int]] = defaultdict(list)
    for o in outcomes:
        if o.kind == "disagree":
            groups[o.signature].append(o.seed)
    if groups:
        print("  disagreements by signature (op: field):")
        for sig, group in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            text = ", ".join(f"{op}: {fld}" for op, fld in sig)
            print(f"    {len(group):3d} x [{text}]: seeds {' '.join(map(str, sorted(group)))}")
    known_seen = sorted(s for s in by_kind["disagree"] if s in known)
    if known_seen:
        print(f"  known disagreements (cases kept, not failing the batch): seeds {' '.join(map(str, known_seen))}")
    fixed = sorted(s for s in known if s in by_kind["agree"])
    if fixed:
        print(f"  known disagreements that now agree (take them off --known): seeds {' '.join(map(str, fixed))}")
    failing = [o for o in outcomes if o.kind not in ("agree", "flaky") and not (o.kind == "disagree" and o.seed in known)]
    return 0 if not failing else 1


if __name__ == "__main__":
    sys.exit(main())
