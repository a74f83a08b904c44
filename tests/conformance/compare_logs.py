#!/usr/bin/env python3
"""Compare two `coroscope.log/1` json logs task by task.

Usage::

    python3 compare_logs.py EXPECTED.json ACTUAL.json

Tasks are matched by NAME.  Names that occur more than once in a log (names
inside a `repeat` template repeat once per copy) are matched by occurrence in
id order and shown as `name (#k)`, k from 2.  For every task the comparison
checks:

* `state`, `result`, `error`, `cancel_reason`: equal (JSON equality, so
  `1` equals `1.0`);
* the fired callbacks: the list of (kind, message or args, and the error of
  one that raised) of the callbacks whose `fired_ms` is not null, in order;
* `finished_ms`: within max(60 ms, 5 % of the expected value); null must
  match null.

A task present in only one log is a difference.  Every difference is printed
as `task NAME: FIELD: expected X, actual Y`, followed by a one-line summary.
Exit status: 0 if the logs agree, 1 if they differ, 2 on unreadable input.
"""

from __future__ import annotations

import json
import sys
from typing import Any

FIELDS = ("state", "result", "error", "cancel_reason")
ABS_TOLERANCE_MS = 60.0
REL_TOLERANCE = 0.05


def load_log(path: str) -> dict:
    """Read a json log; raise ValueError if it is not a coroscope.log/1 document."""
    with open(path, encoding="utf-8-sig") as fh:
        data = json.load(fh)
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        raise ValueError(f"{path}: not a coroscope.log/1 json log (no tasks list)")
    return data


def index_tasks(log: dict) -> dict[str, dict]:
    """Map each task's match key (its name, `name (#k)` for repeats) to the task."""
    out: dict[str, dict] = {}
    seen: dict[str, int] = {}
    for task in sorted(log["tasks"], key=lambda t: t.get("id", 0)):
        name = str(task.get("name"))
        seen[name] = seen.get(name, 0) + 1
        key = name if seen[name] == 1 else f"{name} (#{seen[name]})"
        out[key] = task
    return out


def fired_callbacks(task: dict) -> list[list]:
    """[kind, message-or-args, error if it raised] of each fired callback, in list
    order ([kind] for spawn)."""
    fired = []
    for cb in task.get("callbacks") or []:
        if cb.get("fired_ms") is None:
            continue
        entry = [cb.get("kind")]
        for key in ("message", "args", "error"):
            if key in cb:
                entry.append(cb[key])
        fired.append(entry)
    return fired


def times_close(expected: float | None, actual: float | None) -> bool:
    """finished_ms agreement: max(60 ms, 5 % of expected); null only matches null."""
    if expected is None or actual is None:
        return expected is None and actual is None
    return abs(expected - actual) <= max(ABS_TOLERANCE_MS, REL_TOLERANCE * abs(expected))


def compare_task(expected: dict, actual: dict) -> list[tuple[str, Any, Any]]:
    """Differences (field, expected, actual) between two versions of one task."""
    diffs = [(f, expected.get(f), actual.get(f)) for f in FIELDS
             if expected.get(f) != actual.get(f)]
    exp_cb, act_cb = fired_callbacks(expected), fired_callbacks(actual)
    if exp_cb != act_cb:
        diffs.append(("callbacks", exp_cb, act_cb))
    if not times_close(expected.get("finished_ms"), actual.get("finished_ms")):
        diffs.append(("finished_ms", expected.get("finished_ms"), actual.get("finished_ms")))
    return diffs


def compare_logs(expected: dict, actual: dict) -> list[str]:
    """All differences as readable lines, in expected-log order."""
    exp, act = index_tasks(expected), index_tasks(actual)
    lines = []
    for key, task in exp.items():
        if key not in act:
            lines.append(f"task {key}: missing from actual (expected state {task.get('state')})")
            continue
        for field, want, got in compare_task(task, act[key]):
            lines.append(f"task {key}: {field}: expected {_show(want)}, actual {_show(got)}")
    for key, task in act.items():
        if key not in exp:
            lines.append(f"task {key}: unexpected in actual (state {task.get('state')})")
    return lines


def _show(value: Any) -> str:
    """A value as compact JSON text (callbacks show as [[kind, message-or-args], ...])."""
    return json.dumps(value, separators=(", ", ": "))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: compare_logs.py EXPECTED.json ACTUAL.json", file=sys.stderr)
        return 2
    try:
        expected, actual = load_log(argv[0]), load_log(argv[1])
    except (OSError, ValueError) as exc:
        print(f"compare_logs: {exc}", file=sys.stderr)
        return 2
    lines = compare_logs(expected, actual)
    for line in lines:
        print(line)
    n_tasks = len(index_tasks(expected))
    verdict = "logs agree" if not lines else f"{len(lines)} difference(s)"
    print(f"compared {n_tasks} expected task(s) with {len(actual['tasks'])} actual: {verdict}")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
