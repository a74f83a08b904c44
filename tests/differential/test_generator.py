"""Self-test of the differential tools: tie checker, generator, driver outcomes.

Run from the repository root with

    python3 -m unittest discover -s tests/differential -p 'test_*.py'
"""

import glob
import json
import os
import stat
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import differential  # noqa: E402
import gen_taskset  # noqa: E402
import tiecheck  # noqa: E402


def taskset(*tasks, deadline=None):
    return {"format": "coroscope.taskset/1", "name": "t", "deadline": deadline,
            "tasks": list(tasks)}


def walk(node, ancestors=()):
    """Every node of a tree with its ancestors' names (spawned tasks are top level)."""
    yield node, ancestors
    below = ancestors + (node.get("name"),)
    for child in node.get("children", []):
        yield from walk(child, below)
    for key in ("child", "task"):
        if key in node:
            yield from walk(node[key], below)
    for cb in node.get("callbacks", []):
        if cb["kind"] == "spawn":
            yield from walk(cb["task"])


class TieCheckerTest(unittest.TestCase):
    def test_two_paths_meeting_at_one_instant_are_a_tie(self):
        rep = tiecheck.check_taskset(taskset(
            {"op": "sequence", "name": "two-steps", "children": [
                {"op": "sleep", "name": "a", "seconds": 0.05},
                {"op": "sleep", "name": "b", "seconds": 0.05}]},
            {"op": "sleep", "name": "one-step", "seconds": 0.1}))
        self.assertEqual([(x.task, y.task) for x, y in rep.ties], [("b", "one-step")])

    def test_events_closer_than_the_gap_are_a_tie(self):
        rep = tiecheck.check_taskset(taskset(
            {"op": "sleep", "name": "a", "seconds": 0.1},
            {"op": "cancel", "name": "c", "target": "a", "after": 0.11}), gap_ms=20)
        self.assertEqual(len(rep.ties), 1)
        rep = tiecheck.check_taskset(taskset(
            {"op": "sleep", "name": "a", "seconds": 0.1},
            {"op": "cancel", "name": "c", "target": "a", "after": 0.13}), gap_ms=20)
        self.assertEqual(rep.ties, [])

    def test_copies_of_one_template_are_not_a_tie(self):
        rep = tiecheck.check_taskset(taskset(
            {"op": "repeat", "name": "r", "count": 3, "task": {"op": "sleep", "seconds": 0.1}}))
        self.assertEqual(rep.ties, [])
        self.assertEqual(len([e for e in rep.events if e.kind == "timer"]), 3)

    def test_a_timer_cancelled_long_before_it_is_due_is_no_event(self):
        rep = tiecheck.check_taskset(taskset(
            {"op": "sleep", "name": "a", "seconds": 0.2},
            {"op": "cancel", "name": "c", "target": "a", "after": 0.05},
            {"op": "sleep", "name": "b", "seconds": 0.2}))
        self.assertEqual(rep.ties, [])

    def test_a_stall_delays_timers_and_its_end_is_an_event(self):
        rep = tiecheck.check_taskset(taskset(
            {"op": "block", "name": "b", "seconds": 0.1},
            {"op": "sleep", "name": "s", "seconds": 0.09}))
        # The sleep starts after the block: due at 190 ms, clear of the stall's end.
        self.assertEqual(rep.ties, [])
        self.assertAlmostEqual(rep.log["tasks"][1]["finished_ms"], 190.0, places=3)
        rep = tiecheck.check_taskset(taskset(
            {"op": "sleep", "name": "s", "seconds": 0.1},
            {"op": "block", "name": "b", "seconds": 0.1}))
        self.assertEqual(len(rep.ties), 1)

    def test_the_built_in_sets_compared_by_conformance_have_no_tie(self):
        paths = sorted(glob.glob(os.path.join(ROOT, "resources", "tasksets", "*.json"))
                       + glob.glob(os.path.join(ROOT, "tests", "conformance", "sets", "*.json")))
        paths = [p for p in paths if not p.endswith("million.json")]
        self.assertGreater(len(paths), 20)
        for path in paths:
            with self.subTest(set=os.path.basename(path)):
                with open(path, encoding="utf-8") as fh:
                    # Hand-written sets space their events 20 ms or more apart.
                    rep = tiecheck.check_taskset(json.load(fh), gap_ms=20)
                self.assertEqual([f"{a.describe()} <-> {b.describe()}" for a, b in rep.ties], [])


class GeneratorTest(unittest.TestCase):
    SEEDS = range(1, 41)

    @classmethod
    def setUpClass(cls):
        cls.sets = {seed: gen_taskset.generate(seed) for seed in cls.SEEDS}

    def test_the_same_seed_gives_the_same_set(self):
        for seed in (1, 17, 40):
            self.assertEqual(gen_taskset.generate(seed), self.sets[seed])

    def test_generated_sets_have_no_tie_and_stay_short(self):
        for seed, ts in self.sets.items():
            with self.subTest(seed=seed):
                rep = tiecheck.check_taskset(ts)
                self.assertEqual(rep.ties, [])
                self.assertLessEqual(rep.duration_ms, gen_taskset.MAX_MS)
                self.assertLessEqual(rep.max_pool_jobs, 1)

    def test_forty_seeds_use_every_op_and_option(self):
        seen = set()
        for ts in self.sets.values():
            seen.add("deadline 0" if ts["deadline"] == 0 else
                     "deadline" if ts["deadline"] else "no deadline")
            for top in ts["tasks"]:
                for node, ancestors in walk(top):
                    op = node["op"]
                    seen.add(op)
                    if op == "cpu":
                        seen.add(f"cpu {node['where']}")
                    if op == "gather":
                        seen.add(f"gather return_exceptions {node.get('return_exceptions', False)}")
                    if op == "wait":
                        seen.add(node["return_when"])
                        seen.add("wait timeout" if node["timeout"] else
                                 "wait timeout 0" if node["timeout"] == 0 else "wait no timeout")
                    if op == "as_completed":
                        seen.add("as_completed timeout" if node["timeout"] else
                                 "as_completed no timeout")
                    if op == "repeat":
                        seen.add(f"repeat await {node['await']}")
                    if op == "cancel":
                        if node["target"] == node["name"]:
                            seen.add("cancel itself")
                        elif node["target"] in ancestors:
                            seen.add("cancel an ancestor")
                    for cb in node.get("callbacks", []):
                        seen.add(f"callback {cb['kind']}")
        wanted = {"sleep", "fail", "cpu pool", "cpu loop", "block", "gather return_exceptions True",
                  "gather return_exceptions False", "ALL_COMPLETED", "FIRST_COMPLETED",
                  "FIRST_EXCEPTION", "wait timeout", "wait timeout 0", "wait no timeout",
                  "as_completed timeout", "as_completed no timeout", "wait_for", "sequence",
                  "queue", "threadsafe", "cancel itself", "cancel an ancestor",
                  "repeat await gather", "repeat await none", "callback log",
                  "callback partial", "callback spawn", "callback raise", "deadline", "deadline 0", "no deadline"}
        self.assertEqual(wanted - seen, set())

    def test_cancel_targets_exist(self):
        for seed, ts in self.sets.items():
            names = set()
            for top in ts["tasks"]:
                for node, _ in walk(top):
                    names.add(node.get("name"))
                    if node["op"] == "queue":
                        names |= {f"{node['name']}.producer-{i}"
                                  for i in range(1, node["producers"] + 1)}
                    if node["op"] == "repeat" and "name" in node:
                        names |= {f"{node['name']}[{i}]" for i in range(node["count"])}
            for top in ts["tasks"]:
                for node, _ in walk(top):
                    if node["op"] == "cancel":
                        self.assertIn(node["target"], names, f"seed {seed}")


class DriverTest(unittest.TestCase):
    """A side that refuses, hangs or crashes is reported as such, never as agreement."""

    def fake(self, body):
        fd, path = tempfile.mkstemp(prefix="fake-coroscope-")
        with os.fdopen(fd, "w") as fh:
            fh.write("#!/bin/sh\n" + body + "\n")
        os.chmod(path, stat.S_IRWXU)
        self.addCleanup(os.remove, path)
        return path

    def outcome(self, body, timeout=20.0):
        with tempfile.TemporaryDirectory() as out:
            o = differential.run_seed(2, self.fake(body), out, timeout)
            kept = os.listdir(out)
        return o, kept

    def test_a_refused_set_is_reported_as_refused(self):
        o, kept = self.outcome('[ "$1" = validate ] && { echo "bad: unknown key" >&2; exit 2; }; exit 0')
        self.assertEqual(o.kind, "refused")
        self.assertIn("validate exited 2", o.detail)
        self.assertEqual(kept, ["seed-2"])

    def test_a_crash_reports_its_exit_code(self):
        o, _ = self.outcome('[ "$1" = run ] && exit 134; exit 0')
        self.assertEqual(o.kind, "crash")
        self.assertIn("exited 134", o.detail)

    def test_a_run_that_hangs_is_killed(self):
        o, _ = self.outcome('[ "$1" = run ] && exec sleep 60; exit 0', timeout=5.0)
        self.assertEqual(o.kind, "timeout")


if __name__ == "__main__":
    unittest.main()
