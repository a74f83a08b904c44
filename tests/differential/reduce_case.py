#!/usr/bin/env python3
"""Shrink a task set on which Coroscope and asyncio disagree.

Usage::

    python3 reduce_case.py --coroscope BIN SET.json OUT.json [--timeout S]

Greedy reduction: drop a top-level task, a child, a callback or the deadline,
lower a repeat's count, or put a node in its parent's place, and keep the change
when the smaller set still validates, has no tie (tiecheck.py) and still shows
at least one of the differences (task and field) it started with. Repeats until
no change is kept, then writes OUT.json and prints its differences. Each try
runs both sides once, one after the other. With --crash, a cut is kept when
`coroscope run` still crashes (exit code other than 0 and 2).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import differential  # noqa: E402
import tiecheck  # noqa: E402

CONFORMANCE = differential.CONFORMANCE


def differences(coroscope: str, taskset: dict, timeout: float,
                crash: bool = False) -> set[tuple[str, str]] | None:
    """(task, field) of each difference; None if a side failed or the set has a tie.
    With `crash`: {("coroscope", "exit N")} when `coroscope run` crashes, else None."""
    try:
        if tiecheck.check_taskset(copy.deepcopy(taskset)).ties:
            return None
    except Exception:  # noqa: BLE001 (a stuck or broken set is no smaller case)
        return None
    with tempfile.TemporaryDirectory(prefix="coroscope-reduce-") as work:
        path, theirs, ours = (os.path.join(work, n) for n in ("set.json", "a.json", "c.json"))
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(taskset, fh)
        for cmd in ([coroscope, "validate", path],
                    [sys.executable, os.path.join(CONFORMANCE, "asyncio_runner.py"), path, theirs],
                    [coroscope, "run", path, "--quiet", "--export", ours]):
            code, _, _ = differential._run(cmd, timeout)
            if crash and cmd[1] == "run":
                return {("coroscope", f"exit {code}")} if code not in (0, 2) else None
            if code != 0:
                return None
        out = subprocess.run([sys.executable, os.path.join(CONFORMANCE, "compare_logs.py"),
                              theirs, ours], capture_output=True, text=True).stdout
    found = set()
    for line in out.splitlines():
        if line.startswith("task "):
            name, _, rest = line[5:].partition(": ")
            found.add((name, rest.split(":")[0].split(" ")[0]))
    return found


def _nodes(taskset: dict):
    """(holder, key) of every node slot: holder[key] is a node."""
    stack = [(taskset["tasks"], i) for i in range(len(taskset["tasks"]))]
    while stack:
        holder, key = stack.pop()
        yield holder, key
        node = holder[key]
        for i in range(len(node.get("children", []))):
            stack.append((node["children"], i))
        for k in ("child", "task"):
            if k in node:
                stack.append((node, k))
        for cb in node.get("callbacks", []):
            if cb["kind"] == "spawn":
                stack.append((cb, "task"))


def candidates(taskset: dict):
    """Smaller variants of `taskset`, biggest cuts first."""
    if len(taskset["tasks"]) > 1:
        for i in range(len(taskset["tasks"])):
            t = copy.deepcopy(taskset)
            del t["tasks"][i]
            yield t
    if taskset.get("deadline") is not None:
        t = copy.deepcopy(taskset)
        t["deadline"] = None
        yield t
    n = len(list(_nodes(taskset)))
    for idx in range(n):
        # Put a child in its parent's place.
        t = copy.deepcopy(taskset)
        holder, key = list(_nodes(t))[idx]
        node = holder[key]
        kids = list(node.get("children", [])) + [node[k] for k in ("child", "task") if k in node]
        for j in range(len(kids)):
            t = copy.deepcopy(taskset)
            holder, key = list(_nodes(t))[idx]
            node = holder[key]
            kid = (list(node.get("children", [])) + [node[k] for k in ("child", "task") if k in node])[j]
            if "name" not in kid and "name" in node:
                kid["name"] = node["name"]
            holder[key] = kid
            yield t
        if len(node.get("children", [])) > 1:
            for j in range(len(node["children"])):
                t = copy.deepcopy(taskset)
                holder, key = list(_nodes(t))[idx]
                del holder[key]["children"][j]
                yield t
        for j in range(len(node.get("callbacks", []))):
            t = copy.deepcopy(taskset)
            holder, key = list(_nodes(t))[idx]
            cbs = holder[key]["callbacks"]
            del cbs[j]
            if not cbs:
                del holder[key]["callbacks"]
            yield t
        if node.get("op") == "repeat" and node["count"] > 1:
            t = copy.deepcopy(taskset)
            holder, key = list(_nodes(t))[idx]
            holder[key]["count"] = 1
            yield t


def reduce(coroscope: str, taskset: dict, timeout: float,
           crash: bool = False) -> tuple[dict, set]:
    target = differences(coroscope, taskset, timeout, crash)
    if not target:
        raise SystemExit("the set does not disagree (or has a tie): nothing to reduce")
    current = taskset
    progress = True
    while progress:
        progress = False
        for cand in candidates(current):
            found = differences(coroscope, cand, timeout, crash)
            if found and found & target:
                current, progress = cand, True
                print(f"  kept a cut: {len(list(_nodes(current)))} nodes", flush=True)
                break
    return current, differences(coroscope, current, timeout, crash) or set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--coroscope", required=True)
    parser.add_argument("set")
    parser.add_argument("out")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--crash", action="store_true",
                        help="keep cuts on which `coroscope run` still crashes")
    args = parser.parse_args(argv)
    with open(args.set, encoding="utf-8") as fh:
        taskset = json.load(fh)
    small, found = reduce(args.coroscope, taskset, args.timeout, args.crash)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(small, fh, indent=1)
        fh.write("\n")
    for name, fld in sorted(found):
        print(f"  differs: {name}: {fld}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
