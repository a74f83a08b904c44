"""Self-test of the reference runner and the log comparer.

Run with::

    python3 -m unittest discover -s tests/conformance -p 'test_*.py'

Each test class runs one set of `sets/` once through the command line of
`asyncio_runner.py` and checks concrete outcomes (states, results, reasons,
callback order, id order, loops, stalls) that would be wrong if the asyncio
semantics of the spec were not followed.  Times are checked loosely (the
sets use 50 ms steps).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SETS = os.path.join(HERE, "sets")
RUNNER = os.path.join(HERE, "asyncio_runner.py")
COMPARE = os.path.join(HERE, "compare_logs.py")
SLACK_MS = 40.0  # scheduling slack allowed on timing checks


def run_set(name: str, *extra: str) -> dict:
    """Run sets/<name>.json through the runner CLI and return its json log."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "log.json")
        proc = subprocess.run([sys.executable, RUNNER, os.path.join(SETS, f"{name}.json"),
                               out, *extra], capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise AssertionError(f"runner failed on {name}: {proc.stderr}")
        with open(out, encoding="utf-8") as fh:
            return json.load(fh)


def run_compare(expected: dict, actual: dict) -> subprocess.CompletedProcess:
    """Run compare_logs.py on two in-memory logs."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for label, log in (("expected", expected), ("actual", actual)):
            path = os.path.join(tmp, f"{label}.json")
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(log, fh)
            paths.append(path)
        return subprocess.run([sys.executable, COMPARE, *paths], capture_output=True,
                              text=True, timeout=60)


class SetTestCase(unittest.TestCase):
    """Base: runs `SET` once; `t(name)` gives a task of the log by name."""

    SET = ""
    log: dict = {}

    @classmethod
    def setUpClass(cls) -> None:
        if cls.SET:
            cls.log = run_set(cls.SET)

    def t(self, name: str) -> dict:
        matches = [t for t in self.log["tasks"] if t["name"] == name]
        self.assertEqual(len(matches), 1, f"exactly one task named {name!r}")
        return matches[0]

    def names(self) -> set[str]:
        return {t["name"] for t in self.log["tasks"]}

    def assertState(self, name: str, state: str, result=None, error=None, reason=None):
        task = self.t(name)
        self.assertEqual(
            (task["state"], task["result"], task["error"], task["cancel_reason"]),
            (state, result, error, reason), f"outcome of {name}")

    def assertFinishedNear(self, name: str, ms: float):
        fin = self.t(name)["finished_ms"]
        self.assertIsNotNone(fin, name)
        self.assertGreaterEqual(fin, ms - 1, f"{name} finished too early")
        self.assertLessEqual(fin, ms + SLACK_MS, f"{name} finished too late")

    def events_of(self, name: str, kind: str | None = None) -> list[dict]:
        tid = self.t(name)["id"]
        return [e for e in self.log["events"]
                if e["task"] == tid and (kind is None or e["type"] == kind)]


class LogShapeMixin:
    """Checks that hold for every log: the format of log-format.md."""

    def test_log_shape(self) -> None:
        log = self.log
        self.assertEqual(log["format"], "coroscope.log/1")
        self.assertEqual(log["set"], self.SET)
        self.assertRegex(log["started_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        ids = [t["id"] for t in log["tasks"]]
        self.assertEqual(ids, list(range(1, len(ids) + 1)))
        fields = {"id", "name", "op", "parent", "origin", "loop", "state", "created_ms",
                  "started_ms", "finished_ms", "result", "error", "cancel_reason",
                  "callbacks"}
        for task in log["tasks"]:
            self.assertEqual(set(task), fields)
            self.assertIn(task["state"], ("done", "failed", "cancelled"))
            self.assertIn(task["loop"], ("main", "worker", "pool"))
            self.assertIsNotNone(task["finished_ms"])
            self.assertLessEqual(task["finished_ms"], log["duration_ms"])
            if task["started_ms"] is not None:
                self.assertLessEqual(task["created_ms"], task["started_ms"])
            for value in (task["created_ms"], task["started_ms"], task["finished_ms"]):
                if value is not None:
                    self.assertEqual(round(value, 3), value)
            if task["state"] != "done":
                self.assertIsNone(task["result"])
            self.assertEqual(task["error"] is not None, task["state"] == "failed")
            self.assertEqual(task["cancel_reason"] is not None, task["state"] == "cancelled")
            if task["parent"] is not None:
                self.assertLess(task["parent"], task["id"], "a parent is created first")
        times = [e["t_ms"] for e in log["events"]]
        self.assertEqual(times, sorted(times), "events in time order")
        valid = set(ids)
        for e in log["events"]:
            self.assertIn(e["type"], ("created", "started", "suspended", "resumed",
                                      "cancel_requested", "done", "failed", "cancelled",
                                      "callback", "stall"))
            self.assertIn(e["task"], valid)
        self.assertEqual(log["loops"][0]["name"], "main")


class GatherBasics(LogShapeMixin, SetTestCase):
    SET = "gather-basics"

    def test_results_in_children_order(self):
        self.assertState("main", "done", ["done after 0.1s", 0.2, 0.05])
        self.assertState("other", "done", [0])
        self.assertFinishedNear("main", 200)

    def test_ids_top_level_first_then_children_as_parents_run(self):
        order = [(t["id"], t["name"], t["parent"]) for t in self.log["tasks"]]
        self.assertEqual(order, [(1, "main", None), (2, "other", None), (3, "sleep#3", 1),
                                 (4, "sleep#4", 1), (5, "short", 1), (6, "sleep#6", 2)])

    def test_child_callback_fires_before_parent_resumes(self):
        cb = self.t("sleep#3")["callbacks"]
        self.assertEqual(cb[0]["kind"], "log")
        self.assertEqual(cb[0]["message"], "first child")
        self.assertIsNotNone(cb[0]["fired_ms"])
        parent_cb = self.t("main")["callbacks"][0]
        self.assertGreaterEqual(parent_cb["fired_ms"], self.t("main")["finished_ms"])
        types = [(e["task"], e["type"]) for e in self.log["events"]]
        # the gather's only resumption comes after the callback of its first child
        self.assertLess(types.index((3, "callback")), types.index((1, "resumed")))

    def test_events_and_await_text(self):
        kinds = [e["type"] for e in self.events_of("short")]
        self.assertEqual(kinds, ["created", "started", "suspended", "resumed", "done"])
        self.assertEqual(self.events_of("short", "suspended")[0]["await"], "sleep 0.05s")
        self.assertEqual(self.events_of("main", "suspended")[0]["await"], "gather 3")


class GatherErrors(LogShapeMixin, SetTestCase):
    SET = "gather-errors"

    def test_failure_fails_gather_and_sibling_keeps_running(self):
        self.assertState("g-fail", "failed", error="boom")
        self.assertFinishedNear("g-fail", 30)
        self.assertState("slow1", "done", 0.2)
        self.assertFinishedNear("slow1", 200)

    def test_return_exceptions(self):
        self.assertState("g-rex", "done", [{"error": "bad"}, {"error": "cancelled"}, 7])
        self.assertState("victim", "cancelled", reason="task:killer")
        self.assertState("killer", "done", True)

    def test_cancelled_child_cancels_gather_with_its_reason(self):
        # the cancel node has no name: its default name is cancel#<id>
        self.assertEqual(self.t("cancel#5")["op"], "cancel")
        self.assertState("doomed", "cancelled", reason="task:cancel#5")
        self.assertState("g-cc", "cancelled", reason="task:cancel#5")
        self.assertFinishedNear("g-cc", 80)
        self.assertState("sib", "done", 0.225)  # siblings are not cancelled


class CancelRules(LogShapeMixin, SetTestCase):
    SET = "cancel-rules"

    def test_cancelled_node_cancels_its_children_with_reason_parent(self):
        self.assertState("tree", "cancelled", reason="task:stopper")
        for name in ("leaf1", "seq", "leaf2", "wf", "leaf3"):
            self.assertState(name, "cancelled", reason="parent")
        self.assertFinishedNear("tree", 280)
        # a node ends after the children it cancelled
        for name in ("leaf1", "seq", "wf"):
            self.assertLessEqual(self.t(name)["finished_ms"], self.t("tree")["finished_ms"])

    def test_cancel_results(self):
        self.assertState("stopper", "done", True)
        self.assertState("late", "done", False)   # target already done
        self.assertState("ghost", "done", False)  # target not created yet
        self.assertState("early", "done", 0.055)
        self.assertState("notyet", "done", 0.05)  # created later, untouched
        self.assertState("seq2", "done", [0.33, 0.05])

    def test_wait_as_completed_repeat_cancel_their_children(self):
        self.assertState("w", "cancelled", reason="task:w-stop")
        self.assertState("wl1", "cancelled", reason="parent")
        self.assertState("wl2", "cancelled", reason="parent")
        self.assertState("ac", "cancelled", reason="task:ac-stop")
        self.assertState("acl", "cancelled", reason="parent")
        self.assertState("rp", "cancelled", reason="task:rp-stop")
        for i in range(3):
            self.assertState(f"rp[{i}]", "cancelled", reason="parent")

    def test_node_takes_the_reason_of_the_child_it_awaited(self):
        for node, child, stopper, ms in (("ac-inh", "aci", "aci-stop", 105),
                                         ("seq-inh", "sqi", "sqi-stop", 130),
                                         ("wf-inh", "wfi", "wfi-stop", 155)):
            self.assertState(child, "cancelled", reason=f"task:{stopper}")
            self.assertState(node, "cancelled", reason=f"task:{stopper}")
            self.assertFinishedNear(node, ms)

    def test_first_reason_stays(self):
        # both cancels (after 0) resume in the same loop iteration, before the
        # cancelled task gets its turn: the second finds it not done yet
        self.assertState("first-c", "done", True)
        self.assertState("second-c", "done", True)
        self.assertState("twice", "cancelled", reason="task:first-c")
        requests = self.events_of("twice", "cancel_requested")
        self.assertEqual([e["reason"] for e in requests], ["task:first-c", "task:second-c"])

    def test_cancel_after_zero_yields_once(self):
        # c0 comes first in the file; its sleep(0) lets b0 start before the cancel
        self.assertState("c0", "done", True)
        self.assertState("b0", "cancelled", reason="task:c0")
        self.assertIsNotNone(self.t("b0")["started_ms"])
        requests = self.events_of("b0", "cancel_requested")
        self.assertEqual([e["reason"] for e in requests], ["task:c0"])


class Wait(LogShapeMixin, SetTestCase):
    SET = "wait"

    def test_return_when(self):
        self.assertState("w-first", "done", {"done": ["a"], "pending": ["b", "c"]})
        self.assertFinishedNear("w-first", 30)
        self.assertState("w-all", "done", {"done": ["d", "e"], "pending": []})
        self.assertFinishedNear("w-all", 130)
        self.assertState("w-exc", "done", {"done": ["g"], "pending": ["f"]})
        self.assertFinishedNear("w-exc", 80)

    def test_timeout_leaves_pending_running(self):
        self.assertState("w-to", "done", {"done": ["h"], "pending": ["i"]})
        self.assertFinishedNear("w-to", 155)
        self.assertState("i", "done", 0.33)
        self.assertState("c", "done", 0.3)
        self.assertFinishedNear("c", 300)
        self.assertState("e", "failed", error="e failed")


class AsCompleted(LogShapeMixin, SetTestCase):
    SET = "as-completed"

    def test_completion_order(self):
        self.assertState("ac-order", "done", ["fast", "mid", "slow"])

    def test_timeout_fails_node_others_keep_running(self):
        self.assertState("ac-timeout", "failed", error="timeout")
        self.assertFinishedNear("ac-timeout", 120)
        self.assertState("ac-b", "done", 0.3)
        self.assertFinishedNear("ac-b", 300)

    def test_child_failure_fails_node(self):
        self.assertState("ac-fail", "failed", error="nope")
        self.assertState("ac-c", "done", 0.24)


class WaitFor(LogShapeMixin, SetTestCase):
    SET = "wait-for"

    def test_in_time(self):
        self.assertState("wf-ok", "done", "in time")

    def test_timeout_cancels_child_with_reason_timeout(self):
        self.assertState("wf-late", "failed", error="timeout")
        self.assertState("late-child", "cancelled", reason="timeout")
        self.assertFinishedNear("late-child", 100)
        self.assertLessEqual(self.t("late-child")["finished_ms"],
                             self.t("wf-late")["finished_ms"])

    def test_timeout_zero_cancels_child_before_it_starts(self):
        self.assertState("wf-zero", "failed", error="timeout")
        self.assertState("never", "cancelled", reason="timeout")
        self.assertIsNone(self.t("never")["started_ms"])
        self.assertEqual(self.events_of("never", "started"), [])

    def test_child_failure(self):
        self.assertState("wf-childfail", "failed", error="inner")


class Sequence(LogShapeMixin, SetTestCase):
    SET = "sequence"

    def test_one_after_another(self):
        self.assertState("seq-ok", "done", [1, 2, 0])
        s1, s2 = self.t("s1"), self.t("s2")
        self.assertGreaterEqual(s2["created_ms"], s1["finished_ms"])
        self.assertFinishedNear("seq-ok", 100)
        self.assertState("s3", "done", 0)

    def test_failure_stops_before_later_children_exist(self):
        self.assertState("seq-fail", "failed", error="stop")
        self.assertState("stopper-child", "failed", error="stop")
        self.assertNotIn("never-created", self.names())

    def test_ids_follow_creation(self):
        # s2 is created after seq-fail's first child: ids follow creation order
        self.assertLess(self.t("sleep#4")["id"], self.t("s2")["id"])


class Queue(LogShapeMixin, SetTestCase):
    SET = "queue"

    def test_all_items_consumed(self):
        self.assertState("q", "done", 7)
        for i in (1, 2):
            task = self.t(f"q.producer-{i}")
            self.assertEqual((task["op"], task["state"], task["result"]),
                             ("producer", "done", None))
        for i in (1, 2, 3):
            task = self.t(f"q.consumer-{i}")
            self.assertEqual(task["op"], "consumer")
            self.assertState(f"q.consumer-{i}", "cancelled", reason="parent")
            self.assertEqual(task["parent"], self.t("q")["id"])

    def test_consumers_wait_on_queue_get(self):
        texts = {e["await"] for e in self.events_of("q.consumer-1", "suspended")}
        self.assertIn("queue.get", texts)

    def test_cancelled_queue_cancels_workers(self):
        self.assertState("qc", "cancelled", reason="task:q-stop")
        self.assertState("qc.consumer-1", "cancelled", reason="parent")
        self.assertState("qc.producer-1", "done", None)  # put 100 items, unbounded
        self.assertFinishedNear("qc", 305)


class Threadsafe(LogShapeMixin, SetTestCase):
    SET = "threadsafe"

    def test_child_runs_on_worker_loop(self):
        self.assertState("ts", "done", "remote")
        self.assertEqual(self.t("ts")["loop"], "main")
        self.assertEqual(self.t("remote-child")["loop"], "worker")
        self.assertEqual(self.t("remote-child")["parent"], self.t("ts")["id"])
        self.assertEqual([l["name"] for l in self.log["loops"]], ["main", "worker"])

    def test_spawn_on_worker_stays_on_worker(self):
        spawned = self.t("spawned-remote")
        self.assertEqual((spawned["loop"], spawned["parent"], spawned["origin"]),
                         ("worker", None, self.t("remote-child")["id"]))
        self.assertState("spawned-remote", "done", 0.05)

    def test_cancelled_node_ends_at_once_remote_child_later(self):
        self.assertState("ts-cancel", "cancelled", reason="task:ts-killer")
        self.assertState("remote-victim", "cancelled", reason="parent")
        self.assertFinishedNear("ts-cancel", 60)
        # "A moment later" is on another thread: the worker may record the remote
        # child's end a few microseconds before the main loop records the node's, so
        # the order is checked up to 2 ms, not to the microsecond.
        self.assertGreaterEqual(self.t("remote-victim")["finished_ms"],
                                self.t("ts-cancel")["finished_ms"] - 2.0)

    def test_node_takes_remote_child_reason(self):
        self.assertState("remote-target", "cancelled", reason="task:rt-killer")
        self.assertState("ts-inherit", "cancelled", reason="task:rt-killer")

    def test_remote_failure(self):
        self.assertState("ts-fail", "failed", error="remote boom")


class CpuBlock(LogShapeMixin, SetTestCase):
    SET = "cpu-block"

    def test_results_and_loops(self):
        self.assertState("pool-work", "done", 300)
        self.assertState("loop-work", "done", 80)
        self.assertState("blocker", "done", 0.1)
        self.assertEqual(self.t("pool-work")["loop"], "pool")
        self.assertEqual(self.t("loop-work")["loop"], "main")

    def test_stalls_charged_to_loop_work_and_block(self):
        main = self.log["loops"][0]
        charged = {s["task"]: s["ms"] for s in main["stalls"]}
        self.assertEqual(set(charged), {self.t("loop-work")["id"], self.t("blocker")["id"]})
        self.assertGreaterEqual(charged[self.t("loop-work")["id"]], 80)
        self.assertGreaterEqual(charged[self.t("blocker")["id"]], 100)
        self.assertGreaterEqual(main["max_stall_ms"], 100)
        stall_events = [e for e in self.log["events"] if e["type"] == "stall"]
        self.assertEqual(len(stall_events), 2)
        self.assertTrue(all(e["loop"] == "main" for e in stall_events))

    def test_stalls_delay_the_other_tasks(self):
        # tick cannot even start until the loop-work and blocker steps are over
        self.assertGreaterEqual(self.t("tick")["started_ms"], 180)
        self.assertGreaterEqual(self.t("tick")["finished_ms"], 240)


class Repeat(LogShapeMixin, SetTestCase):
    SET = "repeat"

    def test_gather_copies_named_and_uniform(self):
        result = self.t("r")["result"]
        self.assertEqual(len(result), 4)
        self.assertEqual(len(set(result)), 4, "each copy draws its own value")
        for i, value in enumerate(result):
            self.assertTrue(0.2 <= value <= 0.3)
            self.assertState(f"r[{i}]", "done", value)
        self.assertNotIn("ignored", self.names())

    def test_await_none_returns_count_copies_run_on(self):
        self.assertState("rn", "done", 3)
        self.assertLess(self.t("rn")["finished_ms"], 20)
        for i in range(3):
            self.assertState(f"rn[{i}]", "done", 0.1)
            self.assertFinishedNear(f"rn[{i}]", 100)

    def test_nested_names(self):
        self.assertState("outer", "done", [[0.03, 0.03], [0.03, 0.03]])
        self.assertEqual(self.t("outer[1][0]")["parent"], self.t("outer[1]")["id"])

    def test_cancel_one_copy(self):
        self.assertState("r2[1]", "cancelled", reason="task:r2-stop")
        self.assertState("r2", "cancelled", reason="task:r2-stop")
        self.assertFinishedNear("r2", 60)
        self.assertState("r2[0]", "done", 0.4)
        self.assertState("r2[2]", "done", 0.4)


class Deadline(LogShapeMixin, SetTestCase):
    SET = "deadline"

    def test_everything_unfinished_gets_deadline(self):
        self.assertState("quick", "done", 0.05)
        for name in ("long", "l1", "ls", "l2", "dl-spawner", "dl-ts", "dl-remote"):
            self.assertState(name, "cancelled", reason="deadline")
        self.assertEqual(self.t("dl-remote")["loop"], "worker")
        self.assertGreaterEqual(self.log["duration_ms"], 200)
        self.assertLess(self.log["duration_ms"], 200 + 100)

    def test_callbacks_still_fire_and_late_spawn_never_starts(self):
        cbs = self.t("dl-spawner")["callbacks"]
        self.assertTrue(all(c["fired_ms"] is not None for c in cbs))
        late = self.t("after-deadline")
        self.assertEqual(late["origin"], self.t("dl-spawner")["id"])
        self.assertState("after-deadline", "cancelled", reason="deadline")
        self.assertIsNone(late["started_ms"])


class DeadlineZero(LogShapeMixin, SetTestCase):
    SET = "deadline-zero"

    def test_each_top_level_task_takes_its_first_step(self):
        # call_at(t0 + 0) made after the top-level tasks: it fires after their first
        # steps, so z2 has created its child, which never starts.
        self.assertEqual(len(self.log["tasks"]), 3)
        for name in ("z1", "z2"):
            self.assertState(name, "cancelled", reason="deadline")
            self.assertIsNotNone(self.t(name)["started_ms"])
        child = next(t for t in self.log["tasks"] if t["parent"] == self.t("z2")["id"])
        self.assertEqual(child["state"], "cancelled")
        self.assertEqual(child["cancel_reason"], "deadline")
        self.assertIsNone(child["started_ms"])


class Callbacks(LogShapeMixin, SetTestCase):
    SET = "callbacks"

    def test_kinds_and_order(self):
        cbs = self.t("cb-done")["callbacks"]
        self.assertEqual([(c["kind"], c.get("message", c.get("args"))) for c in cbs],
                         [("log", "first"), ("partial", [2, "x"]), ("spawn", None),
                          ("log", "last")])
        fired = [c["fired_ms"] for c in cbs]
        self.assertTrue(all(f is not None for f in fired))
        self.assertEqual(fired, sorted(fired))
        self.assertGreaterEqual(fired[0], self.t("cb-done")["finished_ms"])
        indexes = [e["index"] for e in self.events_of("cb-done", "callback")]
        self.assertEqual(indexes, [0, 1, 2, 3])

    def test_spawned_task_is_top_level_with_origin(self):
        child = self.t("child-of-cb")
        self.assertEqual((child["parent"], child["origin"], child["loop"]),
                         (None, self.t("cb-done")["id"], "main"))
        self.assertState("child-of-cb", "done", 0.05)
        self.assertIsNotNone(child["callbacks"][0]["fired_ms"])
        self.assertFinishedNear("child-of-cb", 100)

    def test_callbacks_fire_for_failed_and_cancelled(self):
        self.assertState("cb-fail", "failed", error="oops")
        self.assertIsNotNone(self.t("cb-fail")["callbacks"][0]["fired_ms"])
        self.assertState("cb-cancelled", "cancelled", reason="task:cb-stop")
        self.assertIsNotNone(self.t("cb-cancelled")["callbacks"][0]["fired_ms"])

    def test_child_callback_before_parent_done(self):
        kid_cb = self.t("cb-kid")["callbacks"][0]["fired_ms"]
        self.assertLessEqual(kid_cb, self.t("cb-parent")["finished_ms"])


class CompareLogs(unittest.TestCase):
    """compare_logs.py accepts equal logs and reports each kind of difference."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.log = run_set("callbacks")

    def test_identical_logs_agree(self):
        proc = run_compare(self.log, self.log)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("logs agree", proc.stdout)
        self.assertEqual(len(proc.stdout.strip().splitlines()), 1)

    def test_two_runs_of_the_same_set_agree(self):
        proc = run_compare(self.log, run_set("callbacks"))
        self.assertEqual(proc.returncode, 0, proc.stdout)

    def test_small_time_jitter_is_tolerated(self):
        other = copy.deepcopy(self.log)
        for task in other["tasks"]:
            task["finished_ms"] += 30
        self.assertEqual(run_compare(self.log, other).returncode, 0)

    def _diff(self, mutate) -> str:
        other = copy.deepcopy(self.log)
        mutate({t["name"]: t for t in other["tasks"]}, other)
        proc = run_compare(self.log, other)
        self.assertEqual(proc.returncode, 1, proc.stdout)
        return proc.stdout

    def test_detects_each_field(self):
        def mutate(by_name, _log):
            by_name["cb-done"]["result"] = 0.5
            by_name["cb-fail"]["error"] = "other"
            by_name["cb-cancelled"]["cancel_reason"] = "user"
            by_name["cb-stop"]["state"] = "failed"
            by_name["cb-kid"]["finished_ms"] += 500
        out = self._diff(mutate)
        self.assertIn("task cb-done: result: expected 0.06, actual 0.5", out)
        self.assertIn('task cb-fail: error: expected "oops", actual "other"', out)
        self.assertIn('task cb-cancelled: cancel_reason: expected "task:cb-stop", '
                      'actual "user"', out)
        self.assertIn('task cb-stop: state: expected "done", actual "failed"', out)
        self.assertIn("task cb-kid: finished_ms:", out)
        self.assertIn("5 difference(s)", out)

    def test_detects_callback_order_and_unfired(self):
        def mutate(by_name, _log):
            cbs = by_name["cb-done"]["callbacks"]
            cbs[0], cbs[3] = cbs[3], cbs[0]
            by_name["cb-fail"]["callbacks"][0]["fired_ms"] = None
        out = self._diff(mutate)
        self.assertIn("task cb-done: callbacks:", out)
        self.assertIn("task cb-fail: callbacks:", out)

    def test_detects_missing_and_extra_tasks(self):
        def mutate(by_name, log):
            log["tasks"] = [t for t in log["tasks"] if t["name"] != "child-of-cb"]
            log["tasks"].append(dict(by_name["cb-stop"], id=99, name="intruder"))
        out = self._diff(mutate)
        self.assertIn("task child-of-cb: missing from actual", out)
        self.assertIn("task intruder: unexpected in actual", out)


class Validation(unittest.TestCase):
    """Files that break the format are refused before anything runs."""

    def _run_text(self, text: str) -> subprocess.CompletedProcess:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "bad.json")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            return subprocess.run([sys.executable, RUNNER, path, os.path.join(tmp, "o.json")],
                                  capture_output=True, text=True, timeout=60)

    def test_unknown_key(self):
        proc = self._run_text('{"format": "coroscope.taskset/1", "name": "x", "tasks": '
                              '[{"op": "sleep", "secnds": 1}]}')
        self.assertEqual(proc.returncode, 2)
        self.assertIn('unknown key "secnds"', proc.stderr)
        self.assertIn('missing key "seconds"', proc.stderr)

    def test_duplicate_key(self):
        proc = self._run_text('{"format": "coroscope.taskset/1", "name": "x", "name": "y", '
                              '"tasks": []}')
        self.assertEqual(proc.returncode, 2)
        self.assertIn('duplicate key "name"', proc.stderr)


if __name__ == "__main__":
    unittest.main()
