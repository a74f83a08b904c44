#!/usr/bin/env python3
"""Reference runner: execute a `coroscope.taskset/1` file on real CPython asyncio.

Usage::

    python3 asyncio_runner.py SET.json OUT.json [--worker-thread]

The task set (see docs/spec/taskset-format.md) is run with the exact
meaning of the asyncio primitive that each op mirrors, and the run is written
as a `coroscope.log/1` JSON log (see docs/spec/log-format.md).  The
log is the reference that Coroscope's own runs are compared against with
`compare_logs.py`.

Model
-----
* Every node is exactly ONE asyncio Task, created with ``loop.create_task``
  (or ``run_coroutine_threadsafe`` for a `threadsafe` child).  Ids are given
  in creation order, so top-level tasks come first, then children as their
  parents first run.
* Cancellation reasons are kept in our own per-task bookkeeping
  (``TaskRecord.requested_reason``), set just before ``task.cancel()``; the
  first reason stays.  A task that ends cancelled without having been asked
  to (it re-raised a child's cancellation) takes that child's reason
  (``TaskRecord.inherited_reason``).
* A node that waits on children awaits them through a shield, so asyncio
  never cancels the children on its own: when the node is cancelled it
  catches ``CancelledError``, cancels the children it waits on with reason
  ``parent``, waits for them and re-raises.
* Stalls are measured by timing every ``Handle._run`` of both event loops
  (one task step or one callback); a step longer than 50 ms is a stall,
  charged to the task that ran it.

The `worker` event loop thread is started before t = 0 when the set has a
`threadsafe` node anywhere; ``--worker-thread`` starts it even if it has none
(the log then lists the `worker` loop too).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
import datetime
import functools
import json
import random
import sys
import threading
import time
from typing import Any, Callable

TASKSET_FORMAT = "coroscope.taskset/1"
LOG_FORMAT = "coroscope.log/1"
STALL_THRESHOLD_MS = 50.0

RETURN_WHEN = {
    "ALL_COMPLETED": asyncio.ALL_COMPLETED,
    "FIRST_COMPLETED": asyncio.FIRST_COMPLETED,
    "FIRST_EXCEPTION": asyncio.FIRST_EXCEPTION,
}


# --------------------------------------------------------------------------
# Loading and (light) validation
# --------------------------------------------------------------------------

class TaskSetError(Exception):
    """The file breaks a rule of the task-set format; nothing runs."""


COMMON_KEYS = {"op", "name", "callbacks"}
# op -> (required keys, optional keys)
OP_KEYS: dict[str, tuple[set[str], set[str]]] = {
    "sleep": ({"seconds"}, {"result"}),
    "fail": ({"message"}, {"seconds"}),
    "cpu": ({"work_ms"}, {"where"}),
    "block": ({"seconds"}, set()),
    "gather": ({"children"}, {"return_exceptions"}),
    "wait": ({"children"}, {"return_when", "timeout"}),
    "as_completed": ({"children"}, {"timeout"}),
    "wait_for": ({"child", "timeout"}, set()),
    "sequence": ({"children"}, set()),
    "queue": ({"capacity", "producers", "consumers", "items",
               "produce_seconds", "consume_seconds"}, set()),
    "threadsafe": ({"child"}, set()),
    "cancel": ({"target"}, {"after"}),
    "repeat": ({"count", "task"}, {"await"}),
}
CALLBACK_KEYS = {"log": {"message"}, "partial": {"args"}, "spawn": {"task"}, "raise": {"message"}}
TOP_KEYS_REQUIRED = {"format", "name", "tasks"}
TOP_KEYS_OPTIONAL = {"description", "deadline", "seed"}


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    """object_pairs_hook for json: duplicate keys are an error."""
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise TaskSetError(f'duplicate key "{key}"')
        out[key] = value
    return out


def _check_keys(obj: Any, path: str, required: set[str], optional: set[str],
                errors: list[str]) -> bool:
    """Report missing and unknown keys of one object; False if not an object."""
    if not isinstance(obj, dict):
        errors.append(f"{path or '/'}: expected an object")
        return False
    for key in sorted(required - obj.keys()):
        errors.append(f'{path or "/"}: missing key "{key}"')
    for key in sorted(obj.keys() - required - optional):
        errors.append(f'{path or "/"}: unknown key "{key}"')
    return True


def _validate_node(node: Any, path: str, errors: list[str]) -> None:
    """Check one node (and recursively its children) for keys and ops."""
    if not isinstance(node, dict) or node.get("op") not in OP_KEYS:
        op = node.get("op") if isinstance(node, dict) else None
        errors.append(f"{path}: unknown op {json.dumps(op)}")
        return
    required, optional = OP_KEYS[node["op"]]
    _check_keys(node, path, required | {"op"}, optional | COMMON_KEYS, errors)
    if "name" in node and node["name"] == "":
        errors.append(f"{path}/name: empty name")
    for i, child in enumerate(node.get("children", []) or []):
        _validate_node(child, f"{path}/children/{i}", errors)
    for key in ("child", "task"):
        if key in node:
            _validate_node(node[key], f"{path}/{key}", errors)
    for i, cb in enumerate(node.get("callbacks", []) or []):
        cpath = f"{path}/callbacks/{i}"
        kind = cb.get("kind") if isinstance(cb, dict) else None
        if kind not in CALLBACK_KEYS:
            errors.append(f"{cpath}: unknown callback kind {json.dumps(kind)}")
            continue
        _check_keys(cb, cpath, CALLBACK_KEYS[kind] | {"kind"}, set(), errors)
        if kind == "spawn" and "task" in cb:
            _validate_node(cb["task"], f"{cpath}/task", errors)


def load_taskset(path: str) -> dict:
    """Read and check a task-set file; raise TaskSetError listing problems.

    This is a light check (format, keys, ops), enough for a reference runner;
    it is not the full validator described in the spec.
    """
    with open(path, encoding="utf-8-sig") as fh:
        try:
            data = json.load(fh, object_pairs_hook=_reject_duplicate_keys)
        except json.JSONDecodeError as exc:
            raise TaskSetError(f"{path}: invalid JSON: {exc}") from exc
        except TaskSetError as exc:
            raise TaskSetError(f"{path}: {exc}") from exc
    errors: list[str] = []
    if _check_keys(data, "", TOP_KEYS_REQUIRED, TOP_KEYS_OPTIONAL, errors):
        if data.get("format") != TASKSET_FORMAT:
            errors.append(f"/format: expected {TASKSET_FORMAT!r}")
        for i, node in enumerate(data.get("tasks", []) or []):
            _validate_node(node, f"/tasks/{i}", errors)
    if errors:
        raise TaskSetError("\n".join(f"{path}: {e}" for e in errors))
    return data


# --------------------------------------------------------------------------
# Per-task bookkeeping
# --------------------------------------------------------------------------

class TaskRecord:
    """Everything the log says about one task, plus reason bookkeeping."""

    def __init__(self, task_id: int, name: str, op: str, parent: "TaskRecord | None",
                 origin: "TaskRecord | None", loop_name: str, created_ms: float):
        self.id = task_id
        self.name = name
        self.op = op
        self.parent = parent
        self.origin = origin
        self.loop_name = loop_name
        self.loop: asyncio.AbstractEventLoop | None = None
        self.spec: dict = {}
        self.task: asyncio.Task | None = None
        self.cfuture: concurrent.futures.Future | None = None
        self.created_ms = created_ms
        self.started_ms: float | None = None
        self.finish_t: float | None = None      # set by the body as it ends
        self.finished_ms: float | None = None
        self.state = "pending"
        self.result: Any = None
        self.error: str | None = None
        self.requested_reason: str | None = None  # first cancel request
        self.inherited_reason: str | None = None  # from an awaited child
        self.cancel_reason: str | None = None
        self.callbacks: list[dict] = []

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    def to_json(self) -> dict:
        return {
            "id": self.id, "name": self.name, "op": self.op,
            "parent": self.parent.id if self.parent else None,
            "origin": self.origin.id if self.origin else None,
            "loop": self.loop_name, "state": self.state,
            "created_ms": self.created_ms, "started_ms": self.started_ms,
            "finished_ms": self.finished_ms, "result": self.result,
            "error": self.error, "cancel_reason": self.cancel_reason,
            "callbacks": self.callbacks,
        }


def error_text(exc: BaseException) -> str:
    """The log's error text for an exception: its message; `timeout` for timeouts."""
    if isinstance(exc, TimeoutError):
        return "timeout"
    return str(exc)


def fmt_seconds(value: float) -> str:
    """`2` -> `2s`, `0.25` -> `0.25s` (for `suspended` event texts)."""
    return f"{value:g}s"


def busy_work(work_ms: float) -> None:
    """Real CPU work for about `work_ms` wall milliseconds."""
    end = time.monotonic() + work_ms / 1000.0
    x = 0
    while time.monotonic() < end:
        x += 1


class CallbackRunner:
    """One done-callback from the file, bound to its owner task.

    It is a callable object (not a closure) so the step timer can see which
    task a callback belongs to (`self.rec`) and charge a stall to it.
    """

    def __init__(self, run: "Run", rec: TaskRecord, index: int, spec: dict):
        self.run, self.rec, self.index, self.spec = run, rec, index, spec

    def __call__(self, task: asyncio.Task) -> None:
        kind = self.spec["kind"]
        self.run.mark_callback(self.rec, self.index)
        if kind == "partial":
            functools.partial(self._record_partial, *self.spec["args"])(task)
        elif kind == "spawn":
            self.run.spawn(self.spec["task"], parent=None, origin=self.rec)
        elif kind == "raise":
            # asyncio's Handle._run hands it to the loop's exception handler
            # ("Exception in callback ..."; Run.exception_handler) and goes on.
            raise RuntimeError(self.spec["message"])
        # `log`: firing it (time + event) is the whole effect.

    def _record_partial(self, *args_and_task: Any) -> None:
        """Target of functools.partial(cb, *args); its args are in the log."""


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------

class Run:
    """One run of a task set: the loops, the records, the events."""

    def __init__(self, taskset: dict, start_worker: bool = False):
        self.taskset = taskset
        self.rng = random.Random(taskset.get("seed", 1))
        self.lock = threading.RLock()
        self.records: list[TaskRecord] = []
        self.by_name: dict[str, list[TaskRecord]] = {}
        self.events: list[dict] = []
        self.task_recs: dict[asyncio.Task, TaskRecord] = {}
        self.pending_coros: dict[Any, TaskRecord] = {}
        self.loop_names: dict[asyncio.AbstractEventLoop, str] = {}
        self.loop_stats: dict[str, dict] = {}
        self.live = 0
        self.deadline_passed = False
        self.start_worker = start_worker
        self.main_loop: asyncio.AbstractEventLoop | None = None
        self.worker: asyncio.AbstractEventLoop | None = None
        self.worker_thread: threading.Thread | None = None
        # CPU work on the pool runs in processes, not threads: a CPython thread holds
        # the GIL while it computes and delays the event loop, which Coroscope's pool
        # threads do not (C++ has no GIL). The comparison is about asyncio's meaning,
        # not the GIL. The workers start here, before t = 0 and before any thread.
        # As many as asyncio's default executor has threads (ThreadPoolExecutor's
        # min(32, cpu_count + 4)), which is Coroscope's pool size too.
        workers = min(32, (os.cpu_count() or 1) + 4)
        self.pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers)
        list(self.pool.map(busy_work, [0.0] * workers))
        self.all_done: asyncio.Event | None = None
        self.t0 = 0.0
        self.started_at = ""
        self.duration_ms = 0.0

    # ---- time and events -------------------------------------------------

    def now(self) -> float:
        """Milliseconds since the run started, 3 decimals."""
        return round((time.monotonic() - self.t0) * 1000.0, 3)

    def event(self, rec: TaskRecord, kind: str, t_ms: float | None = None,
              **extra: Any) -> None:
        """Append one event (thread-safe)."""
        ev = {"t_ms": self.now() if t_ms is None else t_ms, "task": rec.id,
              "type": kind, **extra}
        with self.lock:
            self.events.append(ev)

    def duration(self, value: Any) -> float:
        """A duration from the file: a number, or a draw from {"uniform": [a, b]}."""
        if isinstance(value, dict):
            low, high = value["uniform"]
            with self.lock:
                return self.rng.uniform(low, high)
        return value

    # ---- loops -----------------------------------------------------------

    def register_loop(self, loop: asyncio.AbstractEventLoop, name: str) -> None:
        loop.set_task_factory(self._task_factory)
        loop.set_exception_handler(self.exception_handler)
        self.loop_names[loop] = name
        self.loop_stats[name] = {"name": name, "max_stall_ms": 0.0, "stalls": []}

    def worker_loop(self) -> asyncio.AbstractEventLoop:
        """The `worker` event loop, running in a second thread (started lazily)."""
        with self.lock:
            if self.worker is None:
                loop = asyncio.new_event_loop()
                self.register_loop(loop, "worker")
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()
                    loop.close()

                self.worker_thread = threading.Thread(target=serve, name="worker-loop",
                                                      daemon=True)
                self.worker_thread.start()
                ready.wait()
                self.worker = loop
        return self.worker

    def observe_step(self, handle: asyncio.Handle, t_start: float, t_end: float) -> None:
        """Called after every Handle._run: track max step time and stalls.

        The loop's `stalls` entry is timed at the start of the step; the
        `stall` event at its end (when it is seen), after the step's events.
        """
        name = self.loop_names.get(getattr(handle, "_loop", None))
        if name is None:
            return
        rec = self._owner_of(handle._callback)
        if rec is not None and rec.finish_t is None and rec.task is not None and rec.task.done():
            # A task cancelled before it started ends in this step without running
            # its body: it finished here, not when its done-callbacks run.
            rec.finish_t = round((t_end - self.t0) * 1000.0, 3)
        ms = round((t_end - t_start) * 1000.0, 3)
        stats = self.loop_stats[name]
        if ms > stats["max_stall_ms"]:
            stats["max_stall_ms"] = ms
        if ms <= STALL_THRESHOLD_MS:
            return
        t_ms = round((t_start - self.t0) * 1000.0, 3)
        task_id = rec.id if rec else None
        with self.lock:
            stats["stalls"].append({"t_ms": t_ms, "ms": ms, "task": task_id})
            self.events.append({"t_ms": round((t_end - self.t0) * 1000.0, 3),
                                "task": task_id, "type": "stall", "loop": name, "ms": ms})

    def _owner_of(self, callback: Any) -> TaskRecord | None:
        """The task a loop callback ran for: a task step, or a file callback."""
        if isinstance(callback, CallbackRunner):
            return callback.rec
        owner = getattr(callback, "__self__", None)
        if isinstance(owner, asyncio.Future):
            return self.task_recs.get(owner)
        return None

    # ---- creating tasks --------------------------------------------------

    def spawn(self, spec: dict, parent: TaskRecord | None, origin: TaskRecord | None = None,
              name: str | None = None, loop: asyncio.AbstractEventLoop | None = None,
              threadsafe: bool = False) -> TaskRecord:
        """Create the one asyncio Task of node `spec`; return its record.

        `loop` defaults to the running loop (everything created by code on
        the worker loop stays there).  With `threadsafe`, the task is created
        on `loop` by asyncio.run_coroutine_threadsafe and `rec.cfuture` is the
        concurrent future it returns.  A task created after the deadline is
        cancelled (reason `deadline`) before it starts.
        """
        target = loop or asyncio.get_running_loop()
        op = spec["op"]
        with self.lock:
            task_id = len(self.records) + 1
            rec_name = name or spec.get("name") or f"{op}#{task_id}"
            loop_name = "pool" if op == "cpu" and spec.get("where", "pool") == "pool" \
                else self.loop_names[target]
            rec = TaskRecord(task_id, rec_name, op, parent, origin, loop_name, self.now())
            rec.loop = target
            rec.spec = spec
            self.records.append(rec)
            self.by_name.setdefault(rec_name, []).append(rec)
            self.live += 1
            rec.callbacks = [self._callback_entry(cb) for cb in spec.get("callbacks", [])]
        self.event(rec, "created", rec.created_ms)
        coro = self._body(rec, spec)
        with self.lock:
            self.pending_coros[coro] = rec
        if threadsafe:
            rec.cfuture = asyncio.run_coroutine_threadsafe(coro, target)
        else:
            target.create_task(coro)
        if self.deadline_passed:
            self.request_cancel(rec, "deadline")
        return rec

    @staticmethod
    def _callback_entry(cb: dict) -> dict:
        entry = {"kind": cb["kind"]}
        if cb["kind"] in ("log", "raise"):
            entry["message"] = cb["message"]
        elif cb["kind"] == "partial":
            entry["args"] = cb["args"]
        entry["fired_ms"] = None
        return entry

    def _task_factory(self, loop, coro, context=None) -> asyncio.Task:
        """Task factory of both loops: binds a node's record to its new Task.

        Done-callbacks are attached here, at creation: first our own
        `_finalize` (final state), then the file's callbacks in order, then
        `_count_down` (the task no longer keeps the run alive).
        """
        task = asyncio.Task(coro, loop=loop, context=context)
        with self.lock:
            rec = self.pending_coros.pop(coro, None)
        if rec is None:
            return task
        rec.task = task
        self.task_recs[task] = rec
        task.add_done_callback(functools.partial(self._finalize, rec))
        for i, cb in enumerate(rec.spec.get("callbacks", [])):
            task.add_done_callback(CallbackRunner(self, rec, i, cb))
        task.add_done_callback(functools.partial(self._count_down, rec))
        return task

    async def _body(self, rec: TaskRecord, spec: dict) -> Any:
        """The coroutine of every node: mark started, run the op, note the end."""
        rec.started_ms = self.now()
        rec.state = "running"
        self.event(rec, "started", rec.started_ms)
        try:
            result = await OPS[spec["op"]](self, rec, spec)
        except BaseException:
            rec.finish_t = self.now()
            raise
        rec.finish_t = self.now()
        return result

    # ---- finishing -------------------------------------------------------

    def _finalize(self, rec: TaskRecord, task: asyncio.Task) -> None:
        """First done-callback: record the final state, result/error/reason."""
        t_ms = rec.finish_t if rec.finish_t is not None else self.now()
        rec.finished_ms = t_ms
        if task.cancelled():
            rec.cancel_reason = self.reason_of(rec)
            rec.state = "cancelled"
            self.event(rec, "cancelled", t_ms)
            return
        exc = task.exception()
        if exc is not None:
            rec.error = error_text(exc)
            rec.state = "failed"
            self.event(rec, "failed", t_ms, error=rec.error)
        else:
            rec.result = task.result()
            rec.state = "done"
            self.event(rec, "done", t_ms)

    def mark_callback(self, rec: TaskRecord, index: int) -> None:
        """A file callback fires: note the time and a `callback` event."""
        t_ms = self.now()
        rec.callbacks[index]["fired_ms"] = t_ms
        self.event(rec, "callback", t_ms, index=index)

    def exception_handler(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        """Both loops' exception handler: a file callback that raised is recorded
        (`error` on its entry, a `callback_failed` event); anything else goes to
        asyncio's default handler, as it would without us."""
        handle = context.get("handle")
        runner = getattr(handle, "_callback", None)
        exc = context.get("exception")
        if isinstance(runner, CallbackRunner) and exc is not None:
            error = error_text(exc)
            runner.rec.callbacks[runner.index]["error"] = error
            self.event(runner.rec, "callback_failed", index=runner.index, error=error)
            return
        loop.default_exception_handler(context)

    def _count_down(self, rec: TaskRecord, task: asyncio.Task) -> None:
        """Last done-callback: when no task is left, the run is over."""
        with self.lock:
            self.live -= 1
            over = self.live == 0
        if over:
            self.main_loop.call_soon_threadsafe(self.all_done.set)

    # ---- cancellation ----------------------------------------------------

    def reason_of(self, rec: TaskRecord) -> str:
        """The reason a cancelled task carries: its first request, else its child's."""
        return rec.requested_reason or rec.inherited_reason or "unknown"

    def request_cancel(self, rec: TaskRecord, reason: str) -> bool:
        """Cancel `rec`'s task, recording `reason` first (the first reason stays).

        Returns False if the task is already done.  A task on another loop is
        cancelled from its own loop via call_soon_threadsafe (after its
        creation, which was scheduled earlier on that loop).
        """
        with self.lock:
            if rec.finished or (rec.task is not None and rec.task.done()):
                return False
            if rec.requested_reason is None:
                rec.requested_reason = reason
        self.event(rec, "cancel_requested", reason=reason)
        if rec.task is not None and rec.loop is _running_loop():
            rec.task.cancel()
        else:
            rec.loop.call_soon_threadsafe(self._cancel_now, rec)
        return True

    @staticmethod
    def _cancel_now(rec: TaskRecord) -> None:
        if rec.task is not None and not rec.task.done():
            rec.task.cancel()

    def inherit(self, rec: TaskRecord, children: list[TaskRecord]) -> None:
        """`rec` ends cancelled because an awaited child was cancelled: take the
        reason of the cancelled child that finished first."""
        cancelled = [c for c in children
                     if c.task is not None and c.task.done() and c.task.cancelled()]
        if cancelled:
            first = min(cancelled, key=lambda c: (c.finished_ms or c.finish_t or 1e18, c.id))
            rec.inherited_reason = self.reason_of(first)

    async def cancel_and_wait(self, children: list[TaskRecord], reason: str) -> None:
        """Cancel the unfinished `children` with `reason` and wait until they end.

        A further cancellation of the caller while waiting does not cut the
        wait short (the node ends after its children, as with asyncio.gather);
        it is re-raised afterwards.
        """
        for child in children:
            self.request_cancel(child, reason)
        tasks = [c.task for c in children if c.task is not None]
        interrupted = False
        while any(not t.done() for t in tasks):
            try:
                await asyncio.wait([t for t in tasks if not t.done()])
            except asyncio.CancelledError:
                interrupted = True
        if interrupted:
            raise asyncio.CancelledError()

    async def await_children(self, rec: TaskRecord, awaitable: Any,
                             children: list[TaskRecord], what: str,
                             shield: bool) -> Any:
        """Await `awaitable` (which depends on `children`) for node `rec`.

        * node cancelled itself -> cancel `children` (reason `parent`), wait
          for them, re-raise;
        * CancelledError coming from a child -> take its reason, re-raise.
        `shield` must be set when the awaitable would otherwise pass the
        node's cancellation on to the children by itself (gather, a Task).
        """
        self.event(rec, "suspended", **{"await": what})
        try:
            try:
                return await (asyncio.shield(awaitable) if shield else awaitable)
            finally:
                self.event(rec, "resumed")
        except asyncio.CancelledError:
            if rec.requested_reason is not None:
                await self.cancel_and_wait(children, "parent")
            else:
                self.inherit(rec, children)
            raise

    async def suspend(self, rec: TaskRecord, what: str, awaitable: Any) -> Any:
        """Await something that has no child tasks, with suspended/resumed events."""
        self.event(rec, "suspended", **{"await": what})
        try:
            return await awaitable
        finally:
            self.event(rec, "resumed")

    async def sleep(self, rec: TaskRecord, seconds: float) -> None:
        """asyncio.sleep with events; 0 still yields for one loop iteration."""
        await self.suspend(rec, f"sleep {fmt_seconds(seconds)}", asyncio.sleep(seconds))

    def child_result(self, rec: TaskRecord, child: TaskRecord) -> Any:
        """`await child` once it is done: its result, its error, or its cancellation
        (then `rec` takes the child's reason)."""
        if child.task.cancelled():
            rec.inherited_reason = rec.inherited_reason or self.reason_of(child)
            raise asyncio.CancelledError()
        return child.task.result()

    def fire_deadline(self) -> None:
        """At the deadline, cancel every unfinished task with reason `deadline`."""
        self.deadline_passed = True
        with self.lock:
            records = list(self.records)
            # Every task unfinished at this instant gets `deadline`, even one that a
            # cancel sent below to the worker loop would reach first as `parent`.
            for rec in records:
                if rec.requested_reason is None and not (
                        rec.finished or (rec.task is not None and rec.task.done())):
                    rec.requested_reason = "deadline"
        for rec in records:
            self.request_cancel(rec, "deadline")

    # ---- the whole run ---------------------------------------------------

    async def main(self) -> None:
        """Create the top-level tasks at t = 0 and wait until all have ended."""
        self.main_loop = asyncio.get_running_loop()
        self.register_loop(self.main_loop, "main")
        if self.start_worker or _uses_op(self.taskset["tasks"], "threadsafe"):
            self.worker_loop()  # before t = 0: its start-up is not charged to the run
        self.all_done = asyncio.Event()
        self.t0 = time.monotonic()
        self.started_at = _iso_now()
        for node in self.taskset["tasks"]:
            self.spawn(node, parent=None)
        deadline = self.taskset.get("deadline")
        if deadline is not None:
            # After the top-level tasks: with deadline 0, each takes its first step
            # before it fires (docs/spec/taskset-format.md, Fine points).
            self.main_loop.call_at(self.t0 + deadline, self.fire_deadline)
        if self.live == 0:
            self.all_done.set()
        await self.all_done.wait()
        self.duration_ms = self.now()

    def execute(self) -> dict:
        """Run the set to the end and return the json log."""
        original = asyncio.events.Handle._run
        run = self

        def timed_run(handle: asyncio.Handle) -> None:
            start = time.monotonic()
            try:
                original(handle)
            finally:
                run.observe_step(handle, start, time.monotonic())

        asyncio.events.Handle._run = timed_run
        try:
            asyncio.run(self.main())
        finally:
            asyncio.events.Handle._run = original
            if self.worker is not None:
                self.worker.call_soon_threadsafe(self.worker.stop)
                self.worker_thread.join(timeout=5)
            self.pool.shutdown(wait=True)
        return self.log()

    def log(self) -> dict:
        """The `coroscope.log/1` json document of the run."""
        events = sorted(self.events, key=lambda e: e["t_ms"])  # stable
        loops = [self.loop_stats["main"]]
        if "worker" in self.loop_stats:
            loops.append(self.loop_stats["worker"])
        return {
            "format": LOG_FORMAT,
            "set": self.taskset["name"],
            "started_at": self.started_at,
            "duration_ms": self.duration_ms,
            "tasks": [r.to_json() for r in sorted(self.records, key=lambda r: r.id)],
            "events": events,
            "loops": loops,
        }


def _uses_op(value: Any, op: str) -> bool:
    """True if any node anywhere in `value` (children, templates, spawns) has `op`."""
    if isinstance(value, dict):
        return value.get("op") == op or any(_uses_op(v, op) for v in value.values())
    if isinstance(value, list):
        return any(_uses_op(v, op) for v in value)
    return False


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _iso_now() -> str:
    """Wall-clock time in ISO 8601 UTC with milliseconds and a `Z`."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


# --------------------------------------------------------------------------
# Operations: each is `async def op(run, rec, spec) -> result`
# --------------------------------------------------------------------------

async def op_sleep(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """`await asyncio.sleep(seconds); return result` (default: the seconds)."""
    seconds = run.duration(spec["seconds"])
    await run.sleep(rec, seconds)
    return spec["result"] if "result" in spec else seconds


async def op_fail(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """Sleep `seconds` (default 0, which still yields), then raise RuntimeError."""
    await run.sleep(rec, run.duration(spec.get("seconds", 0)))
    raise RuntimeError(spec["message"])


async def op_cpu(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """`work_ms` of real CPU work: in the thread pool (awaited), or inline on the
    loop (no yield, stalls the loop)."""
    work_ms = spec["work_ms"]
    if spec.get("where", "pool") == "pool":
        loop = asyncio.get_running_loop()
        await run.suspend(rec, f"run_in_executor {work_ms:g}ms",
                          loop.run_in_executor(run.pool, busy_work, work_ms))
    else:
        busy_work(work_ms)
    return work_ms


async def op_block(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """`time.sleep(seconds)` inside the coroutine: blocks the loop, no yield."""
    seconds = run.duration(spec["seconds"])
    time.sleep(seconds)
    return seconds


def _gather_value(child: TaskRecord, value: Any) -> Any:
    """A gather(return_exceptions=True) item as JSON: errors become {"error": E}."""
    if isinstance(value, asyncio.CancelledError):
        return {"error": "cancelled"}
    if isinstance(value, BaseException):
        return {"error": error_text(value)}
    return value


async def op_gather(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """`await asyncio.gather(*children, return_exceptions=...)`; results in
    `children` order.  Without return_exceptions the first failure fails the
    node and a cancelled child cancels it (its reason is taken); siblings run on."""
    children = [run.spawn(c, parent=rec) for c in spec["children"]]
    return_exceptions = spec.get("return_exceptions", False)
    fut = asyncio.gather(*(c.task for c in children), return_exceptions=return_exceptions)
    fut.add_done_callback(_retrieve)
    results = await run.await_children(rec, fut, children, f"gather {len(children)}",
                                       shield=True)
    return [_gather_value(c, v) for c, v in zip(children, results)]


async def op_wait(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """`done, pending = await asyncio.wait(children, return_when, timeout)`;
    pending children keep running.  Result: names of each set in children order."""
    children = [run.spawn(c, parent=rec) for c in spec["children"]]
    return_when = RETURN_WHEN[spec.get("return_when", "ALL_COMPLETED")]
    timeout = spec.get("timeout")
    timeout = None if timeout is None else run.duration(timeout)
    done, _pending = await run.await_children(
        rec, asyncio.wait([c.task for c in children], return_when=return_when,
                          timeout=timeout),
        children, f"wait {len(children)}", shield=False)
    return {"done": [c.name for c in children if c.task in done],
            "pending": [c.name for c in children if c.task not in done]}


async def op_as_completed(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """`for f in asyncio.as_completed(children, timeout): results.append(await f)`.
    A child's failure fails the node; a timeout fails it with `timeout`; the
    other children keep running in both cases."""
    children = [run.spawn(c, parent=rec) for c in spec["children"]]
    timeout = spec.get("timeout")
    timeout = None if timeout is None else run.duration(timeout)
    results = []
    for fut in asyncio.as_completed([c.task for c in children], timeout=timeout):
        results.append(await run.await_children(
            rec, fut, children, f"as_completed {len(children)}", shield=False))
    return results


async def op_wait_for(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """`await asyncio.wait_for(child, timeout)`: on timeout the child is cancelled
    (reason `timeout`), awaited, and the node fails with `timeout`.  With
    timeout 0 the child is cancelled before it starts."""
    child = run.spawn(spec["child"], parent=rec)
    timeout = run.duration(spec["timeout"])
    if timeout > 0:
        run.event(rec, "suspended", **{"await": f"wait_for {fmt_seconds(timeout)}"})
        try:
            try:
                await asyncio.wait([child.task], timeout=timeout)
            finally:
                run.event(rec, "resumed")
        except asyncio.CancelledError:
            # 3.11's wait_for: a cancellation that comes once the child has ended
            # gives the child's outcome (3.12 would raise CancelledError).
            if child.task.done():
                return run.child_result(rec, child)
            await run.cancel_and_wait([child], "parent")
            raise
        if child.task.done():
            return run.child_result(rec, child)
    await run.cancel_and_wait([child], "timeout")
    if child.task.cancelled():
        raise TimeoutError()
    return run.child_result(rec, child)


async def op_sequence(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """Children one after another, each created when the previous has finished;
    the first failure fails the node and later children are never created."""
    results = []
    for child_spec in spec["children"]:
        child = run.spawn(child_spec, parent=rec)
        results.append(await run.await_children(rec, child.task, [child],
                                                f"await {child.name}", shield=True))
    return results


async def op_threadsafe(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """`run_coroutine_threadsafe(child, worker_loop)`, awaiting the returned
    future.  Cancelled, the node ends at once and its remote child is
    cancelled (reason `parent`) a moment later on the worker loop."""
    child = run.spawn(spec["child"], parent=rec, loop=run.worker_loop(), threadsafe=True)
    fut = asyncio.wrap_future(child.cfuture)
    fut.add_done_callback(_retrieve)
    run.event(rec, "suspended", **{"await": f"threadsafe {child.name}"})
    try:
        try:
            return await asyncio.shield(fut)
        finally:
            run.event(rec, "resumed")
    except asyncio.CancelledError:
        if rec.requested_reason is not None:
            run.request_cancel(child, "parent")
        else:
            rec.inherited_reason = run.reason_of(child)
        raise


async def op_cancel(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """Sleep `after` (0 still yields), then `target.cancel()` with reason
    `task:<this node's name>`.  True if the target existed and was not done."""
    await run.sleep(rec, run.duration(spec.get("after", 0)))
    with run.lock:
        targets = list(run.by_name.get(spec["target"], []))
    if not targets:
        return False
    return run.request_cancel(targets[0], f"task:{rec.name}")


async def op_repeat(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """`count` copies of the template, named `<name>[i]`; await them with gather
    (result: list) or not at all (`await: none`, result: the count)."""
    template = spec["task"]
    children = [run.spawn(template, parent=rec, name=f"{rec.name}[{i}]")
                for i in range(spec["count"])]
    if spec.get("await", "gather") == "none":
        return spec["count"]
    fut = asyncio.gather(*(c.task for c in children))
    fut.add_done_callback(_retrieve)
    return await run.await_children(rec, fut, children, f"gather {len(children)}",
                                    shield=True)


async def op_queue(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """Master-worker queue: gather the producers, `await queue.join()`, cancel
    the consumers and wait for them.  Result: items consumed (at task_done).
    If the node ends cancelled for any cause it cancels all its workers."""
    queue: asyncio.Queue = asyncio.Queue(maxsize=spec["capacity"])
    counter = {"consumed": 0}
    n_prod, n_cons = spec["producers"], spec["consumers"]
    shared = {"_queue": queue, "_counter": counter, "_producers": n_prod,
              "_items": spec["items"]}
    producers = [run.spawn({"op": "producer", "_index": i, "_seconds": spec["produce_seconds"],
                            **shared}, parent=rec, name=f"{rec.name}.producer-{i}")
                 for i in range(1, n_prod + 1)]
    consumers = [run.spawn({"op": "consumer", "_seconds": spec["consume_seconds"], **shared},
                           parent=rec, name=f"{rec.name}.consumer-{i}")
                 for i in range(1, n_cons + 1)]
    try:
        fut = asyncio.gather(*(p.task for p in producers))
        fut.add_done_callback(_retrieve)
        await run.await_children(rec, fut, producers, f"gather {n_prod}", shield=True)
        await run.await_children(rec, queue.join(), [], "queue.join", shield=False)
    except asyncio.CancelledError:
        await run.cancel_and_wait(producers + consumers, "parent")
        raise
    await run.cancel_and_wait(consumers, "parent")
    return counter["consumed"]


async def op_producer(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """Producer i of P puts items i, i+P, ... <= items, sleeping before each put."""
    seconds = run.duration(spec["_seconds"])
    for item in range(spec["_index"], spec["_items"] + 1, spec["_producers"]):
        await run.sleep(rec, seconds)
        await run.suspend(rec, "queue.put", spec["_queue"].put(item))
    return None


async def op_consumer(run: Run, rec: TaskRecord, spec: dict) -> Any:
    """Loop forever: get -> sleep consume_seconds -> task_done (counted then)."""
    seconds = run.duration(spec["_seconds"])
    queue: asyncio.Queue = spec["_queue"]
    while True:
        await run.suspend(rec, "queue.get", queue.get())
        await run.sleep(rec, seconds)
        spec["_counter"]["consumed"] += 1
        queue.task_done()


def _retrieve(fut: asyncio.Future) -> None:
    """Mark an internal future's exception as retrieved (no 'never retrieved' noise)."""
    if not fut.cancelled():
        fut.exception()


OPS: dict[str, Callable] = {
    "sleep": op_sleep, "fail": op_fail, "cpu": op_cpu, "block": op_block,
    "gather": op_gather, "wait": op_wait, "as_completed": op_as_completed,
    "wait_for": op_wait_for, "sequence": op_sequence, "threadsafe": op_threadsafe,
    "cancel": op_cancel, "repeat": op_repeat, "queue": op_queue,
    "producer": op_producer, "consumer": op_consumer,
}


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def run_file(set_path: str, start_worker: bool = False) -> dict:
    """Load, run and return the log of one task-set file."""
    return Run(load_taskset(set_path), start_worker=start_worker).execute()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("set", help="task-set JSON file (coroscope.taskset/1)")
    parser.add_argument("out", help="where to write the json log (coroscope.log/1)")
    parser.add_argument("--worker-thread", action="store_true",
                        help="start the worker loop thread at the start of the run")
    args = parser.parse_args(argv)
    try:
        log = run_file(args.set, start_worker=args.worker_thread)
    except TaskSetError as exc:
        print(exc, file=sys.stderr)
        return 2
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(log, fh, indent=1)
        fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
