#!/usr/bin/env python3
"""CPython asyncio counterpart of bench/bench_runtime.cpp (standard library only).

    asyncio_bench.py w1 N      N tasks sleep (1000 + r % 1001) ms, gathered
    asyncio_bench.py w2 N      spawn N tasks sleeping 60 s, let them start, cancel all
    asyncio_bench.py w3 ITEMS  ITEMS through asyncio.Queue(maxsize=1000), 1 producer, 8 consumers
    asyncio_bench.py w4 N      N tasks sleep r % 101 ms, each with a counting done-callback,
                               consumed with asyncio.as_completed

Prints one JSON line with the keys of coroscope_bench where they apply (wall_ms,
peak_rss_kib, spawn_ms, rss_sleeping_kib, bytes_per_sleeping_task, cancel_ms, ms,
items_per_s, result); "journal" and "events" have no asyncio counterpart and are left out.

r comes from the same 32-bit LCG as the C++ Lcg struct (seed 12345,
x = x * 1664525 + 1013904223 mod 2^32, r = x >> 8), one draw per task in spawn order.
The default event loop is used (no uvloop, debug off, GC left as it is), and, like the
C++ (Loop built before t0), the loop is created before the clock starts; wall_ms covers
run_until_complete(root) only.
"""

import asyncio
import inspect
import json
import os
import platform
import resource
import sys
import time


class Lcg:
    __slots__ = ("x",)

    def __init__(self):
        self.x = 12345

    def next(self):
        self.x = (self.x * 1664525 + 1013904223) & 0xFFFFFFFF
        return self.x >> 8


def monotonic_ns():
    return time.monotonic_ns()


def ms_since(t0):
    return (monotonic_ns() - t0) / 1e6


def peak_rss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


_PAGE_KIB = os.sysconf("SC_PAGESIZE") // 1024


def current_rss_kib():
    with open("/proc/self/statm") as f:
        fields = f.read().split()
    return int(fields[1]) * _PAGE_KIB


async def sleeper(seconds):
    await asyncio.sleep(seconds)
    return 1


async def w1_root(n, out):
    t0 = monotonic_ns()
    lcg = Lcg()
    create_task = asyncio.create_task
    tasks = [create_task(sleeper((1000 + lcg.next() % 1001) / 1000)) for _ in range(n)]
    out["spawn_ms"] = ms_since(t0)
    # Every task has started and sleeps now: their first steps were queued before this
    # timer, and the shortest task sleep (1 s from its start) ends after it.
    await asyncio.sleep(0.9)
    out["rss_sleeping_kib"] = current_rss_kib()
    out["rss_sample_ms"] = ms_since(t0)  # extra key: when the 0.9 s sleep really ended
    r = await asyncio.gather(*tasks)
    return len(r)


async def w2_root(n, out):
    t0 = monotonic_ns()
    create_task = asyncio.create_task
    tasks = [create_task(sleeper(60.0)) for _ in range(n)]
    # Let them all start (cancel at the await, not before the first step).
    await asyncio.sleep(0)
    last = tasks[-1].get_coro()
    while inspect.getcoroutinestate(last) == inspect.CORO_CREATED:
        await asyncio.sleep(0)
    out["spawn_ms"] = ms_since(t0)
    t0 = monotonic_ns()
    for t in tasks:
        t.cancel()
    r = await asyncio.gather(*tasks, return_exceptions=True)
    out["cancel_ms"] = ms_since(t0)
    return len(r)


async def producer(q, items):
    for i in range(items):
        await q.put(i)
    return items


async def consumer(q, consumed):
    while True:
        await q.get()
        consumed[0] += 1
        q.task_done()


async def w3_root(items, out):
    t0 = monotonic_ns()
    q = asyncio.Queue(maxsize=1000)
    consumed = [0]
    consumers = [asyncio.create_task(consumer(q, consumed)) for _ in range(8)]
    await asyncio.create_task(producer(q, items))
    await q.join()
    out["ms"] = ms_since(t0)
    for c in consumers:
        c.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    return consumed[0]


async def w4_root(n, out):
    t0 = monotonic_ns()
    lcg = Lcg()
    callbacks = [0]

    def on_done(_task):
        callbacks[0] += 1

    tasks = []
    for _ in range(n):
        t = asyncio.create_task(sleeper((lcg.next() % 101) / 1000))
        t.add_done_callback(on_done)
        tasks.append(t)
    total = 0
    for f in asyncio.as_completed(tasks):
        total += await f
    while callbacks[0] < n:
        await asyncio.sleep(0)
    out["ms"] = ms_since(t0)
    return total


def main(argv):
    if len(argv) < 3 or argv[1] not in ("w1", "w2", "w3", "w4"):
        sys.stderr.write("usage: asyncio_bench.py w1|w2|w3|w4 N\n")
        return 2
    workload = argv[1]
    n = int(argv[2])

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    out = {}
    roots = {"w1": w1_root, "w2": w2_root, "w3": w3_root, "w4": w4_root}
    rss_base_kib = current_rss_kib()
    t0 = monotonic_ns()
    try:
        result = loop.run_until_complete(roots[workload](n, out))
    except BaseException as e:  # mirror the C++ "-1 when the root did not finish"
        sys.stderr.write("root failed: %r\n" % (e,))
        result = -1
    wall_ms = ms_since(t0)

    line = {
        "workload": workload,
        "n": n,
        "impl": "asyncio",
        "python": platform.python_version(),
        "wall_ms": round(wall_ms, 1),
        "peak_rss_kib": peak_rss_kib(),
    }
    if workload == "w1":
        line["spawn_ms"] = round(out.get("spawn_ms", -1.0), 1)
        line["rss_sleeping_kib"] = out.get("rss_sleeping_kib", 0)
        line["rss_sample_ms"] = round(out.get("rss_sample_ms", -1.0), 1)
        line["bytes_per_sleeping_task"] = round(
            (out.get("rss_sleeping_kib", 0) - rss_base_kib) * 1024.0 / n) if n else 0
    elif workload == "w2":
        line["spawn_ms"] = round(out.get("spawn_ms", -1.0), 1)
        line["cancel_ms"] = round(out.get("cancel_ms", -1.0), 1)
    elif workload == "w3":
        ms = out.get("ms", -1.0)
        line["ms"] = round(ms, 1)
        line["items_per_s"] = round(n / (ms / 1000.0)) if ms > 0 else 0
    elif workload == "w4":
        line["ms"] = round(out.get("ms", -1.0), 1)
    line["result"] = result
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()
    # Skip tearing down a million objects at exit: it is not part of any measurement
    # (the C++ returns from main, freeing everything, after printing too, but the
    # Python teardown of 1M tasks can take seconds and would only slow the script).
    os._exit(0 if result != -1 else 1)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
