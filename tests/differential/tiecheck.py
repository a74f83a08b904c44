#!/usr/bin/env python3
"""Find timing ties in task sets by running them on asyncio in virtual time.

Usage::

    python3 tiecheck.py [--gap MS] SET.json...

A set is only comparable between two implementations if no outcome depends on
the order of two events that are due at (nearly) the same instant: asyncio
orders such events by microseconds of real time, so the same file may give two
answers on two runs. This checker runs the set through the reference runner
(tests/conformance/asyncio_runner.py) on an event loop whose clock is virtual:
select() advances the clock to the next timer instead of sleeping, a blocking
call or loop CPU work advances it by its duration, pool work completes by a
timer, and the worker loop's children run on the main loop. Every step then
takes no time, so each event happens exactly at its nominal instant (sums along
sequences included), and the checker lists every pair of *primary events*
closer than GAP (default 20 ms):

* a timer with a delay > 0 (a sleep, a timeout, a `cancel` node's `after`, the
  deadline), unless it was cancelled at least GAP before it was due;
* the end of a loop stall (`block`, `cpu` on the loop), fuzz STALL_FUZZ;
* the end of pool work, fuzz POOL_FUZZ (a process pool's round trip; on a
  loaded machine a 58 ms job once took 131 ms);
* a `uniform` timer, fuzz half its range;
* a `threadsafe` node's child that ends less than GAP after it was sent: the
  worker loop runs in its own thread, so whether that news comes before or
  after the main loop's next zero-time steps is decided by real time (this pair
  is a tie by itself);
* the start of the run (t = 0).

Two timers due at the same instant are not a tie when they come from the same
node of the file (copies of one `repeat` template, or workers of one queue),
were created at the same instant and have the same delay: they were created one
after the other in one chain of loop iterations, and asyncio fires them in that
creation order on every run ("FIFO ties"). Everything else closer than
GAP + fuzz is a tie. (Copies of one `uniform` template draw different values in
each implementation, so their order among themselves is not fixed: a set must
not let it show; the generator keeps them to unobserved leaves.) Zero delays are not events: they order by loop iterations,
which asyncio fixes.

The checker also reports the run's virtual length and the greatest number of
pool jobs at once. Exit 0 when no set has a tie, 1 otherwise, 2 on bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import asyncio.base_events
import asyncio.events
import concurrent.futures
import json
import os
import selectors
import sys
import time
from dataclasses import dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))
import asyncio_runner  # noqa: E402  (the reference runner, patched below)

GAP_MS = 40.0
STALL_FUZZ_MS = 5.0
POOL_FUZZ_MS = 25.0


@dataclass
class Event:
    """One primary event: when it happens (virtual ms) and who causes it."""
    t_ms: float
    kind: str                 # timer | stall | pool | start | sent | remote
    fuzz_ms: float = 0.0
    created_ms: float = 0.0
    delay_ms: float = 0.0
    node: Any = None          # the node dict of the file that owns it (None: the set)
    key: Any = None           # FIFO-tie identity: the node, or (queue, role)
    task: str = ""            # task name, for reports
    cancelled_ms: float | None = None
    handle: Any = None

    def describe(self) -> str:
        what = {"timer": "due", "stall": "stall ends", "pool": "pool work ends",
                "start": "run starts", "sent": "sends its child to the worker loop",
                "remote": "ends on the worker loop"}[self.kind]
        who = self.task or "(the run)"
        extra = f" (created {self.created_ms:g} ms, delay {self.delay_ms:g} ms)" \
            if self.kind == "timer" else ""
        fuzz = f" ±{self.fuzz_ms:g}" if self.fuzz_ms else ""
        return f"{who}: {what} at {self.t_ms:g}{fuzz} ms{extra}"


@dataclass
class Report:
    """What one virtual run found."""
    events: list[Event] = field(default_factory=list)
    ties: list[tuple[Event, Event]] = field(default_factory=list)
    duration_ms: float = 0.0
    max_pool_jobs: int = 0
    tasks: int = 0
    log: dict | None = None


class StuckRun(RuntimeError):
    """The set never ends: nothing is scheduled but tasks are unfinished, or it
    runs longer than MAX_VIRTUAL_S."""


MAX_VIRTUAL_S = 120.0


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0  # any origin: the run's times count from its t0

    def monotonic(self) -> float:
        return self.now


class _VirtualRun:
    """Patches the runner and asyncio for one run in virtual time."""

    def __init__(self, taskset: dict, gap_ms: float):
        self.taskset = taskset
        self.gap_ms = gap_ms
        self.clock = _Clock()
        self.report = Report()
        self.timers: dict[int, Event] = {}
        self.pending_fuzz_ms = 0.0
        self.pool_jobs = 0
        self.remote_ties: list[tuple[Event, Event]] = []
        self.run: asyncio_runner.Run | None = None

    # ---- whom an event belongs to -----------------------------------------

    def _owner(self, loop: asyncio.AbstractEventLoop | None) -> tuple[Any, Any, str]:
        run = self.run
        task = asyncio.current_task(loop) if loop is not None else None
        rec = run.task_recs.get(task) if (run and task) else None
        if rec is None:
            return None, "set", ""
        spec = rec.spec
        if "_queue" in spec:
            key = ("queue", id(spec["_queue"]), spec["op"])
            node = rec.parent.spec if rec.parent else None
        else:
            key, node = id(spec), spec
        return node, key, rec.name

    def _ms(self) -> float:
        return (self.clock.now - (self.run.t0 if self.run else 0.0)) * 1000.0

    # ---- the patches ---------------------------------------------------

    def install(self) -> list[tuple[Any, str, Any]]:
        vr = self
        saved: list[tuple[Any, str, Any]] = []

        def patch(obj: Any, name: str, value: Any) -> None:
            saved.append((obj, name, getattr(obj, name)))
            setattr(obj, name, value)

        class VirtualSelector(selectors.DefaultSelector):
            def select(self, timeout=None):
                ready = super().select(0)
                if ready:
                    return ready
                if timeout is None:
                    raise StuckRun("the set never ends: nothing scheduled, tasks unfinished")
                if timeout > 0:
                    vr.clock.now += timeout
                if vr.run and vr.run.t0 and vr.clock.now - vr.run.t0 > MAX_VIRTUAL_S:
                    raise StuckRun(f"the set runs longer than {MAX_VIRTUAL_S:g} s")
                return []

        original_call_at = asyncio.base_events.BaseEventLoop.call_at

        def call_at(loop, when, callback, *args, context=None):
            handle = original_call_at(loop, when, callback, *args, context=context)
            node, key, name = vr._owner(loop)
            created = vr._ms()
            t_ms = (when - vr.run.t0) * 1000.0 if vr.run else 0.0
            ev = Event(t_ms=t_ms, kind="timer", fuzz_ms=vr.pending_fuzz_ms,
                       created_ms=created, delay_ms=t_ms - created, node=node, key=key,
                       task=name, handle=handle)
            vr.pending_fuzz_ms = 0.0
            if getattr(callback, "__name__", "") == "_pool_done":
                ev.kind, ev.fuzz_ms = "pool", POOL_FUZZ_MS
            vr.timers[id(handle)] = ev
            return handle

        original_cancel = asyncio.events.TimerHandle.cancel

        def cancel(handle):
            ev = vr.timers.get(id(handle))
            if ev is not None and ev.cancelled_ms is None and not handle.cancelled():
                ev.cancelled_ms = vr._ms()
            original_cancel(handle)

        def stall(seconds: float) -> None:
            if seconds <= 0:
                return  # `block 0` holds the loop for no time: no event
            vr.clock.now += seconds
            node, key, name = vr._owner(asyncio_runner._running_loop())
            vr.report.events.append(Event(t_ms=vr._ms(), kind="stall", fuzz_ms=STALL_FUZZ_MS,
                                          node=node, key=key, task=name))

        class VirtualPool:
            def __init__(self, *args, **kwargs):
                pass

            def map(self, fn, *iterables):
                return [None for _ in zip(*iterables)]

            def submit(self, fn, *args):
                fut: concurrent.futures.Future = concurrent.futures.Future()
                fut.set_running_or_notify_cancel()  # running: a cancel cannot stop it
                work_ms = args[0]
                vr.pool_jobs += 1
                vr.report.max_pool_jobs = max(vr.report.max_pool_jobs, vr.pool_jobs)

                def _pool_done() -> None:
                    vr.pool_jobs -= 1
                    fut.set_result(work_ms)

                asyncio.get_running_loop().call_later(work_ms / 1000.0, _pool_done)
                return fut

            def shutdown(self, wait=True, **kwargs):
                pass

        original_duration = asyncio_runner.Run.duration

        def duration(run, value):
            if isinstance(value, dict):
                low, high = value["uniform"]
                vr.pending_fuzz_ms = (high - low) * 500.0
                return (low + high) / 2.0
            return original_duration(run, value)

        original_finalize = asyncio_runner.Run._finalize

        def finalize(run, rec, task):
            parent = rec.parent
            if parent is not None and parent.op == "threadsafe":
                sent, ends = rec.created_ms, vr._ms()
                if ends - sent < vr.gap_ms:
                    vr.remote_ties.append((
                        Event(t_ms=sent, kind="sent", key="sent", task=parent.name),
                        Event(t_ms=ends, kind="remote", node=rec.spec, key=id(rec.spec),
                              task=rec.name)))
            original_finalize(run, rec, task)

        original_init = asyncio_runner.Run.__init__

        def init(run, *args, **kwargs):
            original_init(run, *args, **kwargs)
            vr.run = run

        patch(selectors, "DefaultSelector", VirtualSelector)
        patch(time, "monotonic", vr.clock.monotonic)
        patch(time, "sleep", stall)
        patch(asyncio_runner, "busy_work", lambda work_ms: stall(work_ms / 1000.0))
        patch(concurrent.futures, "ProcessPoolExecutor", VirtualPool)
        patch(asyncio.base_events.BaseEventLoop, "call_at", call_at)
        patch(asyncio.events.TimerHandle, "cancel", cancel)
        patch(asyncio_runner.Run, "duration", duration)
        patch(asyncio_runner.Run, "__init__", init)
        patch(asyncio_runner.Run, "_finalize", finalize)
        patch(asyncio_runner.Run, "worker_loop", lambda run: run.main_loop)
        return saved

    def execute(self) -> Report:
        saved = self.install()
        try:
            log = asyncio_runner.Run(self.taskset).execute()
        finally:
            for obj, name, value in reversed(saved):
                setattr(obj, name, value)
        rep = self.report
        rep.log = log
        rep.duration_ms = log["duration_ms"]
        rep.tasks = len(log["tasks"])
        rep.events.append(Event(t_ms=0.0, kind="start", key="start"))
        for ev in self.timers.values():
            if ev.kind == "timer" and ev.delay_ms <= 1e-6:
                continue  # zero delay: ordered by iterations, not by time
            if ev.cancelled_ms is not None and ev.cancelled_ms <= ev.t_ms - self.gap_ms:
                continue  # cancelled long before it was due
            rep.events.append(ev)
        rep.events.sort(key=lambda e: e.t_ms)
        rep.ties = find_ties(rep.events, self.gap_ms) + self.remote_ties
        return rep


def fifo_tie(a: Event, b: Event) -> bool:
    """Timers of one node, created at one instant with one delay: asyncio fires
    them in creation order on every run."""
    return (a.kind == b.kind == "timer" and a.key == b.key and a.key != "set"
            and abs(a.created_ms - b.created_ms) < 1e-6
            and abs(a.delay_ms - b.delay_ms) < 1e-6)


def find_ties(events: list[Event], gap_ms: float) -> list[tuple[Event, Event]]:
    """Every pair of events closer than gap + their fuzz, FIFO ties excepted;
    `events` sorted by time."""
    ties = []
    reach = gap_ms + 2 * max([POOL_FUZZ_MS] + [e.fuzz_ms for e in events])
    for i, a in enumerate(events):
        for b in events[i + 1:]:
            if b.t_ms - a.t_ms >= reach:
                break
            if abs(b.t_ms - a.t_ms) < gap_ms + a.fuzz_ms + b.fuzz_ms and not fifo_tie(a, b):
                ties.append((a, b))
    return ties


def check_taskset(taskset: dict, gap_ms: float = GAP_MS) -> Report:
    """Run `taskset` (a parsed file; its node dicts are the events' `node`) in
    virtual time and report its primary events and ties."""
    return _VirtualRun(taskset, gap_ms).execute()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--gap", type=float, default=GAP_MS, help="ms (default %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every event")
    args = parser.parse_args(argv)
    status = 0
    for path in args.sets:
        try:
            taskset = asyncio_runner.load_taskset(path)
        except (OSError, asyncio_runner.TaskSetError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
        try:
            rep = check_taskset(taskset, args.gap)
        except StuckRun as exc:
            print(f"{path}: {exc}")
            status = 1
            continue
        verdict = "no tie" if not rep.ties else f"{len(rep.ties)} tie(s)"
        print(f"{path}: {verdict}; {len(rep.events)} events, {rep.tasks} tasks, "
              f"{rep.duration_ms:g} ms, max {rep.max_pool_jobs} pool job(s) at once")
        if args.verbose:
            for ev in rep.events:
                print(f"  {ev.describe()}")
        for a, b in rep.ties:
            print(f"  tie: {a.describe()}  <->  {b.describe()}")
        if rep.ties:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
