"""`coroscope diff`: two runs' json logs compared end to end."""
import json
import os
import re
import subprocess
import tempfile
import unittest

COROSCOPE = os.environ.get("COROSCOPE", "build/dev/app/coroscope")


def run(*args, timeout=120):
    return subprocess.run([COROSCOPE, *args], capture_output=True, text=True, timeout=timeout)


SET = {
    "format": "coroscope.taskset/1",
    "name": "diff-probe",
    "tasks": [
        {"op": "gather", "name": "main", "children": [
            {"op": "sleep", "name": "a", "seconds": 0.05, "result": "A"},
            {"op": "sleep", "name": "b", "seconds": 0.1},
        ]},
    ],
}


class DiffTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def run_set(self, taskset, log_name):
        set_path = self.path(log_name + ".set.json")
        with open(set_path, "w") as f:
            json.dump(taskset, f)
        log = self.path(log_name)
        r = run("run", set_path, "--quiet", "--export", log)
        self.assertEqual(r.returncode, 0, r.stderr)
        return log

    def test_a_run_against_itself_agrees_and_exits_zero(self):
        log = self.run_set(SET, "a.json")
        r = run("diff", log, log)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("the runs agree: 3 tasks", r.stdout)

    def test_two_runs_of_one_set_agree(self):
        a = self.run_set(SET, "a.json")
        b = self.run_set(SET, "b.json")
        r = run("diff", a, b)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_a_changed_set_is_named_task_by_task_and_exits_one(self):
        a = self.run_set(SET, "a.json")
        changed = json.loads(json.dumps(SET))
        children = changed["tasks"][0]["children"]
        children[0]["result"] = "B"                                  # another result
        children[1] = {"op": "fail", "name": "b", "message": "x"}    # another state
        children.append({"op": "sleep", "name": "c", "seconds": 0})   # a new task
        b = self.run_set(changed, "b.json")
        r = run("diff", a, b)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn('changed  main / a: result: "A" -> "B"', r.stdout)
        self.assertIn("changed  main / b: state: done -> failed", r.stdout)
        self.assertIn("only in B  main / c", r.stdout)
        self.assertIn("the runs differ", r.stdout.splitlines()[-1])

    def test_a_finish_time_moved_past_the_tolerance_is_reported(self):
        a = self.run_set(SET, "a.json")
        slower = json.loads(json.dumps(SET))
        slower["tasks"][0]["children"][1]["seconds"] = 0.4
        b = self.run_set(slower, "b.json")
        r = run("diff", a, b)
        self.assertEqual(r.returncode, 1, r.stdout)
        m = re.search(r"changed  main / b: result: 0\.1 -> 0\.4; finished \+(\d+\.\d) ms", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        self.assertGreater(float(m.group(1)), 200)  # 300 ms later, give or take the loop's wake-ups
        self.assertLess(float(m.group(1)), 400)
        self.assertEqual(run("diff", a, b, "--tolerance-ms", "100000").returncode, 1)  # the result still differs

    def test_bad_input_exits_two_with_a_message(self):
        log = self.run_set(SET, "a.json")
        bad = self.path("bad.json")
        with open(bad, "w") as f:
            f.write("{not json")
        for args in ([log], [log, bad], [log, self.path("none.json")], [log, log, "--tolerance-ms", "x"],
                     [log, log, "--nope"]):
            r = run("diff", *args)
            self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))
            self.assertTrue(r.stderr.startswith("coroscope: "), r.stderr)

    def test_names_with_control_characters_are_escaped(self):
        evil = json.loads(json.dumps(SET))
        evil["tasks"][0]["children"][0]["name"] = "a\x1b]0;pwned\x07"
        a = self.run_set(SET, "a.json")
        b = self.run_set(evil, "b.json")
        r = run("diff", a, b)
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("\x1b", r.stdout)
        self.assertIn("\\u001b]0;pwned\\u0007", r.stdout)


if __name__ == "__main__":
    unittest.main()
