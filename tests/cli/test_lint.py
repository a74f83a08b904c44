"""`coroscope lint`: each warning of docs/spec/warnings.md from a real run's log, named."""
import json
import os
import subprocess
import tempfile
import unittest

COROSCOPE = os.environ.get("COROSCOPE", "build/dev/app/coroscope")


def run(*args, timeout=120):
    return subprocess.run([COROSCOPE, *args], capture_output=True, text=True, timeout=timeout)


def taskset(name, tasks):
    return {"format": "coroscope.taskset/1", "name": name, "tasks": tasks}


# A sequence that blocks the main loop from 50 ms to 350 ms: timers due in between fire
# together right after it, in due order (taskset-format.md, "Fine points").
EARLY_HOG = {"op": "sequence", "name": "early-hog",
             "children": [{"op": "sleep", "seconds": 0.05}, {"op": "block", "seconds": 0.3}]}

SETS = {
    "stall": taskset("w-stall", [
        {"op": "block", "name": "hog", "seconds": 0.1},
        {"op": "sleep", "name": "calm", "seconds": 0.01},
    ]),
    # `late` is created with `hog`, whose first step holds the loop 1.2 s before late's.
    "pending": taskset("w-pending", [
        {"op": "block", "name": "hog", "seconds": 1.2},
        {"op": "sleep", "name": "late", "seconds": 0},
    ]),
    # The canceller and late-hog's sleep wake together after early-hog's block; the
    # gather then cancels its child and waits for it (4 iterations), while late-hog's
    # block (2 iterations on) holds the loop 300 ms.
    "cancel-not-honoured": taskset("w-cancel", [
        {"op": "gather", "name": "slow-to-cancel", "children": [{"op": "sleep", "name": "nap", "seconds": 2}]},
        {"op": "cancel", "name": "canceller", "target": "slow-to-cancel", "after": 0.15},
        {"op": "sequence", "name": "late-hog",
         "children": [{"op": "sleep", "seconds": 0.12}, {"op": "block", "seconds": 0.3}]},
        EARLY_HOG,
    ]),
    # `inner` ends in the iteration where the canceller cancels `stubborn`, which has not
    # yet seen it end: wait_for (3.11) returns the child's result all the same.
    "cancel-swallowed": taskset("w-swallow", [
        {"op": "wait_for", "name": "stubborn", "timeout": 5,
         "child": {"op": "sleep", "name": "inner", "seconds": 0.12}},
        {"op": "cancel", "name": "canceller", "target": "stubborn", "after": 0.15},
        EARLY_HOG,
    ]),
    "error-not-retrieved": taskset("w-error", [
        {"op": "fail", "name": "lonely", "message": "boom"},
        {"op": "wait", "name": "waiter", "children": [{"op": "fail", "name": "in-wait", "message": "lost"}]},
        {"op": "gather", "name": "gatherer", "return_exceptions": True,
         "children": [{"op": "fail", "name": "in-gather", "message": "kept"}]},
        {"op": "sequence", "name": "seq", "children": [{"op": "fail", "name": "in-sequence", "message": "kept"}]},
        {"op": "repeat", "name": "fire", "count": 2, "await": "none",
         "task": {"op": "fail", "seconds": 0.01, "message": "forgotten"}},
        {"op": "sleep", "name": "parent", "seconds": 0,
         "callbacks": [{"kind": "spawn", "task": {"op": "fail", "name": "spawned", "message": "orphan"}}]},
    ]),
    # A done-callback that raises: asyncio's "Exception in callback"; the task stays as it ended.
    "callback-failed": taskset("w-callback", [
        {"op": "sleep", "name": "fine", "seconds": 0,
         "callbacks": [{"kind": "log", "message": "ok"}, {"kind": "raise", "message": "broken callback"}]},
        {"op": "fail", "name": "bad", "message": "boom", "seconds": 0.01,
         "callbacks": [{"kind": "raise", "message": "also broken"}]},
    ]),
    "fan-out": taskset("w-fanout", [
        {"op": "repeat", "name": "wide", "count": 10001, "task": {"op": "sleep", "seconds": 0}},
        {"op": "repeat", "name": "just-fits", "count": 10000, "task": {"op": "sleep", "seconds": 0}},
    ]),
}


class LintTest(unittest.TestCase):
    logs = {}

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        for key, content in SETS.items():
            set_path = os.path.join(cls.tmp.name, key + ".set.json")
            with open(set_path, "w") as f:
                json.dump(content, f)
            log = os.path.join(cls.tmp.name, key + ".json")
            r = run("run", set_path, "--quiet", "--export", log)
            assert r.returncode == 0, r.stderr
            cls.logs[key] = log

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def lint(self, key):
        r = run("lint", self.logs[key])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return r.stdout.splitlines()

    def lines_of(self, key, kind):
        return [line for line in self.lint(key) if line.startswith(kind + " ")]

    def test_a_step_that_held_the_loop_names_its_task_and_loop(self):
        lines = self.lines_of("stall", "stall")
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r'^stall task 1 "hog": held loop main for 1\d\d\.\d ms from ')

    def test_a_task_left_pending_over_a_second_is_named(self):
        lines = self.lines_of("pending", "pending")
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r'^pending task 2 "late": pending for 1\.\d{3} s from its creation at ')

    def test_a_cancel_honoured_only_after_100_ms_names_the_cancelled_task(self):
        lines = self.lines_of("cancel-not-honoured", "cancel-not-honoured")
        self.assertEqual(len(lines), 1, self.lint("cancel-not-honoured"))
        self.assertRegex(lines[0], r'^cancel-not-honoured task 1 "slow-to-cancel": cancel \(task:canceller\) '
                                   r'requested at .* honoured only \d+\.\d ms later, ended cancelled$')

    def test_a_task_that_ends_done_after_a_cancel_request_swallowed_it(self):
        lines = self.lines_of("cancel-swallowed", "cancel-swallowed")
        self.assertEqual(len(lines), 1, self.lint("cancel-swallowed"))
        self.assertRegex(lines[0], r'^cancel-swallowed task 1 "stubborn": ended done at .* '
                                   r'after a cancel request \(task:canceller\)$')

    def test_failed_tasks_nothing_awaited_are_named_and_awaited_ones_are_not(self):
        lines = self.lines_of("error-not-retrieved", "error-not-retrieved")
        named = {line.split('"')[1] for line in lines}
        # `seq` took its child's error and no one awaits seq; gather and seq took theirs.
        self.assertEqual(named, {"lonely", "in-wait", "seq", "fire[0]", "fire[1]", "spawned"}, lines)
        self.assertTrue(any('"lonely": failed at' in line and '"boom"' in line and "a top-level task" in line
                            for line in lines), lines)

    def test_a_callback_that_raised_names_its_task_and_the_callback(self):
        lines = self.lines_of("callback-failed", "callback-failed")
        self.assertEqual(len(lines), 2, self.lint("callback-failed"))
        self.assertRegex(lines[0], r'^callback-failed task 1 "fine": callback 1 \(raise\) raised "broken callback" '
                                   r'at \d+\.\d ms after the task ended done$')
        self.assertRegex(lines[1], r'^callback-failed task 2 "bad": callback 0 \(raise\) raised "also broken" '
                                   r'at \d+\.\d ms after the task ended failed$')
        with open(self.logs["callback-failed"]) as f:
            log = json.load(f)
        fine = log["tasks"][0]
        self.assertEqual(fine["state"], "done")
        self.assertEqual([cb.get("error") for cb in fine["callbacks"]], [None, "broken callback"])
        self.assertEqual([e["index"] for e in log["events"] if e["type"] == "callback_failed" and e["task"] == 1], [1])

    def test_a_jsonl_log_names_the_callback_that_raised_as_the_json_log_does(self):
        with tempfile.TemporaryDirectory() as tmp:
            set_path = os.path.join(tmp, "s.set.json")
            with open(set_path, "w") as f:
                json.dump(SETS["callback-failed"], f)
            log = os.path.join(tmp, "s.jsonl")
            self.assertEqual(run("run", set_path, "--quiet", "--export", log).returncode, 0)
            lines = [line for line in self.lintpath(log) if line.startswith("callback-failed ")]
            # A jsonl log does not say what a callback was, only that it raised.
            self.assertEqual([line.split(":")[0] for line in lines],
                             ['callback-failed task 1 "fine"', 'callback-failed task 2 "bad"'], lines)
            self.assertIn('raised "broken callback"', lines[0])

    def test_more_than_10000_children_is_a_fan_out_and_10000_is_not(self):
        lines = self.lines_of("fan-out", "fan-out")
        self.assertEqual(lines, [lines[0]], lines)
        self.assertRegex(lines[0], r'^fan-out task 1 "wide": has 10,001 children, over 10,000 from ')

    def test_a_run_without_warnings_prints_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "quiet.json")
            r = run("run", "lifecycle", "--quiet", "--export", log)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.lintpath(log), [])

    def lintpath(self, path):
        r = run("lint", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.splitlines()

    def test_a_jsonl_log_gives_the_same_warnings(self):
        with tempfile.TemporaryDirectory() as tmp:
            set_path = os.path.join(tmp, "s.set.json")
            with open(set_path, "w") as f:
                json.dump(SETS["error-not-retrieved"], f)
            log = os.path.join(tmp, "s.jsonl")
            self.assertEqual(run("run", set_path, "--quiet", "--export", log).returncode, 0)
            kinds = sorted(line.split(" ")[0] for line in self.lintpath(log))
            self.assertEqual(kinds, ["error-not-retrieved"] * 6)

    def test_a_jsonl_log_keeps_the_cancel_requests_the_cancel_rules_read(self):
        with tempfile.TemporaryDirectory() as tmp:
            for key in ("cancel-swallowed", "cancel-not-honoured"):
                set_path = os.path.join(tmp, key + ".set.json")
                with open(set_path, "w") as f:
                    json.dump(SETS[key], f)
                log = os.path.join(tmp, key + ".jsonl")
                self.assertEqual(run("run", set_path, "--quiet", "--export", log).returncode, 0)
                lines = [line for line in self.lintpath(log) if line.startswith(key + " ")]
                self.assertEqual(len(lines), 1, self.lintpath(log))

    def test_a_missing_log_exits_2_naming_the_file(self):
        r = run("lint", "/nonexistent/run.json")
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent/run.json", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_a_malformed_log_exits_2_with_the_readers_message(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "bad.json")
            with open(bad, "w") as f:
                f.write('{"format": "coroscope.log/1", "tasks": "x"}')
            r = run("lint", bad)
            self.assertEqual(r.returncode, 2)
            self.assertRegex(r.stderr, r"^coroscope: .*bad\.json")

    def test_lint_takes_exactly_one_log(self):
        self.assertEqual(run("lint").returncode, 2)
        self.assertEqual(run("lint", "a.json", "b.json").returncode, 2)


if __name__ == "__main__":
    unittest.main()
