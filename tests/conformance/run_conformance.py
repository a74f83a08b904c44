#!/usr/bin/env python3
"""Runs task sets through Coroscope and through CPython asyncio, and compares the logs.

Usage: run_conformance.py COROSCOPE SET.json...

For every set, both runs go at the same time (they sleep most of the time; sets
with CPU work or blocking calls run one after the other), then
compare_logs.py checks each task's final state, result, error, cancel reason, fired
callbacks and finish time (within 60 ms or 5 %). Sets that draw `uniform` durations
are checked by both runners but not compared value by value: the spec promises the
same distribution, not the same draws. Exit 0 when every set agrees.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def uses_uniform(path):
    with open(path, encoding="utf-8") as f:
        return '"uniform"' in f.read()


def burns_cpu(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return '"cpu"' in text or '"block"' in text


def run_set(coroscope, path, workdir):
    name = os.path.splitext(os.path.basename(path))[0]
    ours = os.path.join(workdir, name + ".coroscope.json")
    theirs = os.path.join(workdir, name + ".asyncio.json")
    a = subprocess.Popen([coroscope, "run", path, "--quiet", "--export", ours],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if burns_cpu(path):
        # Both runs would compete for the two cores and delay each other's loops.
        _, a_err = a.communicate(timeout=120)
    b = subprocess.Popen([sys.executable, os.path.join(HERE, "asyncio_runner.py"), path, theirs],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if not burns_cpu(path):
        _, a_err = a.communicate(timeout=120)
    _, b_err = b.communicate(timeout=120)
    if a.returncode != 0:
        return False, f"coroscope exited {a.returncode}: {a_err.strip()}"
    if b.returncode != 0:
        return False, f"asyncio runner exited {b.returncode}: {b_err.strip()}"
    if uses_uniform(path):
        with open(ours, encoding="utf-8") as f:
            log = json.load(f)
        return True, f"ran ({len(log['tasks'])} tasks; uniform draws, not compared value by value)"
    cmp = subprocess.run([sys.executable, os.path.join(HERE, "compare_logs.py"), theirs, ours],
                         capture_output=True, text=True)
    return cmp.returncode == 0, cmp.stdout.strip() + cmp.stderr.strip()


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    coroscope, sets = sys.argv[1], sys.argv[2:]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="coroscope-conformance-") as workdir:
        for path in sets:
            ok, report = run_set(coroscope, path, workdir)
            failures += 0 if ok else 1
            print(f"{'ok  ' if ok else 'FAIL'} {os.path.basename(path)}: {report}", flush=True)
    print(f"conformance: {len(sets) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
