#!/usr/bin/env python3
"""Generate a random `coroscope.taskset/1` file whose outcome asyncio fixes.

Usage::

    python3 gen_taskset.py SEED [-o OUT.json] [--gap MS]

The same SEED always gives the same file (standard library only, one
random.Random per seed). A set uses every op (sleep, fail, cpu on the pool and
on the loop, block, gather with and without return_exceptions, wait with every
return_when and timeout, as_completed with and without timeout, wait_for,
sequence, queue, threadsafe, cancel, repeat with await gather or none), nests
them, attaches log / partial / spawn callbacks, and may have a deadline (0
included). Cancel nodes aim at nodes that exist: any named node, queue workers,
copies of a top-level repeat, their own running ancestors, or themselves.

No outcome may depend on real time, so the generator repairs the durations
until tiecheck.py (the reference runner in virtual time) finds no two events
closer than GAP (default 20 ms): it moves the later event of the earliest tie to
a free instant by changing the duration that makes it, then checks again. A set
that cannot be repaired, lasts more than MAX_MS of virtual time or runs two pool
jobs at once is dropped, and the next draw of the same generator is tried.

Kept out of the comparison on purpose:
* `uniform` durations only on a leaf `sleep` template of a `repeat` with
  `await: none`, with an explicit `result` and a range of at most 10 ms: the
  copies' draws differ between implementations but reach no compared value
  beyond their own finish time, well inside compare_logs' tolerance;
* `block` and loop `cpu` never inside `threadsafe` (the virtual model runs the
  worker's tasks on the main loop) and pool jobs never overlap (the reference
  pool has two processes, Coroscope's more threads);
* every node is named, so that log matching never depends on ids;
* a cancel on the worker loop, or aimed at a node there, waits a real time
  (`after` > 0): the two loops' zero-time steps race.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tiecheck  # noqa: E402

MAX_MS = 900.0          # virtual length of a set
MAX_TASKS = 60
MAX_DEPTH = 4
ATTEMPTS = 40           # sets drawn per seed before giving up
REPAIRS = 60            # repair steps per set

# Which key of a node sets the delay of the events it makes.
DURATION_KEY = {"sleep": "seconds", "fail": "seconds", "cancel": "after",
                "wait": "timeout", "as_completed": "timeout", "wait_for": "timeout",
                "block": "seconds", "cpu": "work_ms"}


class Generator:
    """Draws one task set; every choice comes from `rng`."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.counter = 0
        self.tasks = 0
        self.cancels: list[tuple[dict, list[dict]]] = []   # (cancel node, its ancestors)
        self.targets: list[str] = []                     # names a cancel may aim at
        self.worker_names: set[str] = set()              # nodes on the worker loop

    # ---- helpers -------------------------------------------------------

    def name(self, op: str) -> str:
        self.counter += 1
        return f"{op.replace('_', '-')}-{self.counter}"

    def seconds(self, low_ms: int = 20, high_ms: int = 250, zero: float = 0.0) -> float:
        if self.rng.random() < zero:
            return 0
        return self.rng.randint(low_ms, high_ms) / 1000.0

    # ---- nodes ---------------------------------------------------------

    def node(self, depth: int, path: list[dict], template: bool, worker: bool) -> dict:
        """One node (and its subtree) at `depth` (1 = top level) below `path`."""
        self.tasks += 1
        leaf_only = depth >= MAX_DEPTH or self.tasks > MAX_TASKS // 2
        ops = [("sleep", 6), ("fail", 3), ("cpu", 1), ("block", 1)]
        if not template:
            ops.append(("cancel", 3))
        if not leaf_only:
            ops += [("gather", 3), ("wait", 3), ("as_completed", 2), ("wait_for", 3),
                    ("sequence", 3), ("queue", 1), ("repeat", 2)]
            if not worker:
                ops.append(("threadsafe", 1))
        if worker:
            ops = [(op, w) for op, w in ops if op != "block"]
        op = self.rng.choices([o for o, _ in ops], [w for _, w in ops])[0]
        node: dict[str, Any] = {"op": op}
        node["name"] = self.name(op)
        if worker:
            self.worker_names.add(node["name"])
        here = path + [node]
        sub = lambda: self.node(depth + 1, here, template, worker)  # noqa: E731
        kids = lambda lo, hi: [sub() for _ in range(self.rng.randint(lo, hi))]  # noqa: E731

        if op == "sleep":
            node["seconds"] = self.seconds(zero=0.1)
            if self.rng.random() < 0.3:
                node["result"] = self.rng.choice(["ok", 7, [1, "two"], {"k": None}, None])
        elif op == "fail":
            if self.rng.random() < 0.85:
                node["seconds"] = self.seconds(zero=0.15)
            node["message"] = f"{node['name']} failed"
        elif op == "cpu":
            where = "loop" if worker else self.rng.choice(["pool", "loop"])
            node["work_ms"] = self.rng.randint(20, 60)
            node["where"] = where
        elif op == "block":
            node["seconds"] = self.seconds(20, 60)
        elif op == "cancel":
            if self.rng.random() < 0.85:
                node["after"] = self.seconds(zero=0.15)
            node["target"] = ""  # chosen once every name is known
            self.cancels.append((node, here))
        elif op == "gather":
            node["children"] = kids(1, 3)
            if self.rng.random() < 0.5:
                node["return_exceptions"] = self.rng.random() < 0.6
        elif op == "wait":
            node["children"] = kids(1, 3)
            node["return_when"] = self.rng.choice(
                ["ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION"])
            node["timeout"] = self.rng.choice([None, None, 0, self.seconds()])
        elif op == "as_completed":
            node["children"] = kids(1, 3)
            node["timeout"] = self.rng.choice([None, None, self.seconds()])
        elif op == "wait_for":
            node["child"] = sub()
            node["timeout"] = 0 if self.rng.random() < 0.1 else self.seconds()
        elif op == "sequence":
            node["children"] = kids(1, 3)
        elif op == "queue":
            producers, consumers = self.rng.randint(1, 2), self.rng.randint(1, 3)
            node.update({"capacity": self.rng.randint(0, 3), "producers": producers,
                         "consumers": consumers, "items": self.rng.randint(0, 6),
                         "produce_seconds": self.seconds(20, 90, zero=0.2),
                         "consume_seconds": self.seconds(20, 90)})
            self.tasks += producers + consumers
            if not template:
                # Not the consumers: one cancelled while it holds an item never calls
                # task_done, and queue.join() (in asyncio too) waits forever.
                self.targets += [f"{node['name']}.producer-{i}" for i in range(1, producers + 1)]
        elif op == "threadsafe":
            node["child"] = self.node(depth + 1, here, template, True)
        elif op == "repeat":
            count = self.rng.randint(0, 3)
            node["count"] = count
            node["await"] = self.rng.choice(["gather", "none"])
            if node["await"] == "none" and self.rng.random() < 0.4:
                low = self.rng.randint(20, 240)
                node["task"] = {"op": "sleep", "seconds": {"uniform": [low / 1000, (low + 10) / 1000]},
                                "result": "copy"}
                self.tasks += count
            else:
                before = self.tasks
                node["task"] = self.node(depth + 1, here, True, worker)
                node["task"].pop("name")  # a template's own name is ignored: leave it out
                self.tasks += (self.tasks - before) * max(0, count - 1)
            if not template:
                self.targets += [f"{node['name']}[{i}]" for i in range(count)]
        if not template:
            self.targets.append(node["name"])
        if self.rng.random() < 0.15:
            node["callbacks"] = self.callbacks(depth, template, worker)
        return node

    def callbacks(self, depth: int, template: bool, worker: bool) -> list[dict]:
        out = []
        for _ in range(self.rng.randint(1, 3)):
            kind = self.rng.choice(["log", "partial", "spawn", "raise"])
            if kind in ("log", "raise"):
                out.append({"kind": kind, "message": f"cb-{self.rng.randint(1, 99)}"})
            elif kind == "partial":
                out.append({"kind": "partial",
                            "args": self.rng.sample([1, 2, "x", None, True, 3.5], 2)})
            elif depth < MAX_DEPTH:
                # A spawned task is top level and runs on the owner's loop.
                out.append({"kind": "spawn",
                            "task": self.node(depth + 1, [], template, worker)})
        return out or [{"kind": "log", "message": "only"}]

    def taskset(self, seed: int) -> dict:
        tasks = [self.node(1, [], False, False) for _ in range(self.rng.randint(2, 4))]
        for cancel, path in self.cancels:
            roll = self.rng.random()
            ancestors = [n["name"] for n in path[:-1] if n["name"] in self.targets]
            if roll < 0.15:
                cancel["target"] = cancel["name"]
            elif roll < 0.4 and ancestors:
                cancel["target"] = self.rng.choice(ancestors)
            else:
                cancel["target"] = self.rng.choice(self.targets)
            if (cancel["name"] in self.worker_names or cancel["target"] in self.worker_names) \
                    and not cancel.get("after"):
                # Across loops nothing orders a zero wait against the other loop's first
                # steps (does the target exist yet?): wait a real time instead.
                cancel["after"] = self.seconds()
        if self.worker_names:
            for node in _nodes(tasks):
                if node.get("name") not in self.worker_names:
                    _no_stall(node)
        roll = self.rng.random()
        deadline = None if roll < 0.7 else 0 if roll < 0.77 else self.seconds(100, 800)
        if deadline == 0 and self.worker_names:
            # A zero deadline races the worker loop's first steps like a zero cancel.
            deadline = self.seconds()
        out = {"format": "coroscope.taskset/1", "name": f"diff-{seed}",
               "description": f"Generated by tests/differential/gen_taskset.py, seed {seed}.",
               "seed": seed, "deadline": deadline, "tasks": tasks}
        return out


def _nodes(tree: Any):
    """Every node dict in `tree` (children, child, template, callbacks' tasks)."""
    if isinstance(tree, list):
        for item in tree:
            yield from _nodes(item)
    elif isinstance(tree, dict):
        if "op" in tree:
            yield tree
        for value in tree.values():
            yield from _nodes(value)


def _no_stall(node: dict) -> None:
    """Make a main-loop stall a sleep of the same length. With the worker loop in a
    set, a stall of the main loop races the worker's news in real time (does the
    child's end arrive before the stall or after?), which the virtual run, with
    both loops in one, cannot see."""
    if node["op"] == "block":
        node["op"] = "sleep"
    elif node["op"] == "cpu" and node.get("where") == "loop":
        node["op"] = "sleep"
        node["seconds"] = node.pop("work_ms") / 1000.0
        del node["where"]


# --------------------------------------------------------------------------
# Repair: move events off each other
# --------------------------------------------------------------------------

def _adjustable(ev: tiecheck.Event, taskset: dict) -> tuple[dict, str, float] | None:
    """(dict, key, event start) such that dict[key] sets when `ev` happens."""
    if ev.kind == "start":
        return None
    node = ev.node
    if node is None:
        return (taskset, "deadline", 0.0) if ev.kind == "timer" else None
    if isinstance(ev.key, tuple) and ev.key[0] == "queue":
        key = "produce_seconds" if ev.key[2] == "producer" else "consume_seconds"
        return node, key, ev.created_ms
    key = DURATION_KEY.get(node.get("op"))
    if key is None or isinstance(node.get(key), dict):
        return None
    if ev.kind == "timer":
        return node, key, ev.created_ms
    scale = 1.0 if key == "work_ms" else 1000.0
    return node, key, ev.t_ms - float(node.get(key) or 0) * scale  # `fail` may omit it


def _free(t: float, fuzz: float, events: list[tiecheck.Event], skip: tiecheck.Event,
          gap: float) -> bool:
    return all(abs(t - e.t_ms) >= gap + fuzz + e.fuzz_ms for e in events if e is not skip)


def repair_step(rng: random.Random, taskset: dict, rep: tiecheck.Report, gap: float) -> bool:
    """Move one event of the earliest tie; False if it cannot be moved."""
    a, b = min(rep.ties, key=lambda ab: (max(ab[0].t_ms, ab[1].t_ms), min(ab[0].t_ms, ab[1].t_ms)))
    for ev in ([b, a] if b.t_ms >= a.t_ms else [a, b]):
        where = _adjustable(ev, taskset)
        if where is None:
            continue
        holder, key, start = where
        shifts = list(range(-150, 151))
        rng.shuffle(shifts)
        for shift in shifts:
            t = round(ev.t_ms + shift)
            if t - start < gap or t > MAX_MS or not _free(t, ev.fuzz_ms, rep.events, ev, gap):
                continue
            value = t - start
            holder[key] = int(round(value)) if key == "work_ms" else round(value / 1000.0, 3)
            return True
    return False


def generate(seed: int, gap: float = tiecheck.GAP_MS) -> dict:
    """The task set of `seed`; raises RuntimeError if no draw could be repaired."""
    rng = random.Random(seed)
    for _ in range(ATTEMPTS):
        taskset = Generator(rng).taskset(seed)
        rep = None
        for _ in range(REPAIRS):
            try:
                rep = tiecheck.check_taskset(taskset, gap)
            except tiecheck.StuckRun:
                break
            if not rep.ties:
                break
            if not repair_step(rng, taskset, rep, gap):
                break
        if rep is None or rep.ties or rep.duration_ms > MAX_MS or rep.max_pool_jobs > 1 \
                or rep.tasks > MAX_TASKS:
            continue
        return copy.deepcopy(taskset)
    raise RuntimeError(f"seed {seed}: no tie-free set in {ATTEMPTS} draws")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seed", type=int)
    parser.add_argument("-o", "--out", help="output file (default: stdout)")
    parser.add_argument("--gap", type=float, default=tiecheck.GAP_MS,
                        help="least distance between two events, ms (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        taskset = generate(args.seed, args.gap)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    text = json.dumps(taskset, indent=1) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
