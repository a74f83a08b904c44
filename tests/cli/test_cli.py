"""The coroscope command line, end to end: each test runs the real binary."""
import csv
import io
import json
import os
import pty
import resource
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import unittest

COROSCOPE = os.path.abspath(os.environ["COROSCOPE"]) if "COROSCOPE" in os.environ else "coroscope"
SOURCE = os.environ.get("COROSCOPE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))

SMALL_SET = {
    "format": "coroscope.taskset/1",
    "name": "cli-small",
    "tasks": [
        {"op": "gather", "name": "main", "children": [
            {"op": "sleep", "name": "a", "seconds": 0.05, "result": "x,\"y\""},
            {"op": "fail", "name": "b", "seconds": 0.02, "message": "boom"},
        ], "return_exceptions": True},
        {"op": "sleep", "name": "victim", "seconds": 5},
        {"op": "cancel", "name": "killer", "target": "victim", "after": 0.03},
        {"op": "threadsafe", "name": "remote", "child": {"op": "sleep", "name": "on-worker", "seconds": 0.02}},
    ],
}


def count_lines(path):
    """The number of newlines in the file at `path`, 0 while it does not exist."""
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def run(*args, timeout=60):
    return subprocess.run([COROSCOPE, *args], capture_output=True, text=True, timeout=timeout)


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.set_path = os.path.join(self.dir, "small.json")
        with open(self.set_path, "w") as f:
            json.dump(SMALL_SET, f)

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_help_and_version_exit_zero(self):
        self.assertEqual(run("--help").returncode, 0)
        self.assertIn("run SET", run("--help").stdout)
        v = run("--version")
        self.assertEqual(v.returncode, 0)
        self.assertRegex(v.stdout, r"^coroscope \d+\.\d+\.\d+")

    def test_list_shows_every_builtin_with_its_description(self):
        r = run("list")
        self.assertEqual(r.returncode, 0)
        names = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
        builtin_dir = os.path.join(SOURCE, "resources", "tasksets")
        expected = sorted(os.path.splitext(f)[0] for f in os.listdir(builtin_dir) if f.endswith(".json"))
        self.assertEqual(sorted(names), expected)
        self.assertGreaterEqual(len(names), 13)
        self.assertIn("million", names)
        self.assertIn("gather returns results", r.stdout)

    def test_validate_accepts_good_files_and_lists_every_error_of_bad_ones(self):
        self.assertEqual(run("validate", self.set_path).returncode, 0)
        bad = self.path("bad.json")
        with open(bad, "w") as f:
            f.write('{"format": "coroscope.taskset/1", "name": "x",\n "tasks": [{"op": "sleep", "secnds": 1},\n'
                    ' {"op": "nope"}]}')
        r = run("validate", self.set_path, bad)
        self.assertEqual(r.returncode, 2)
        errors = r.stderr.strip().splitlines()
        self.assertGreaterEqual(len(errors), 2)
        self.assertTrue(all(e.startswith(bad + ":") for e in errors), errors)
        self.assertIn('unknown key "secnds"', r.stderr)
        self.assertIn("/tasks/1/op", r.stderr)

    def test_bad_input_exits_2_and_runs_nothing(self):
        out = self.path("never.json")
        for args in (["run"], ["run", "no-such-set"], ["frobnicate"], ["run", self.set_path, "--export", out, "--format", "xml"],
                     ["run", self.set_path, "--export", self.path("log.txt")],
                     ["run", self.set_path, "--export", "/nonexistent-dir/x.json"],
                     ["gui", "--renderer", "vulkan"], ["gui", "--renderer"], ["gui", "--frobnicate"]):
            r = run(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertTrue(r.stderr.strip(), args)
        self.assertFalse(os.path.exists(out))

    def test_run_prints_a_summary_and_exits_zero_even_with_failed_and_cancelled_tasks(self):
        r = run("run", self.set_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("cli-small", r.stdout)
        self.assertRegex(r.stdout, r"done \d+\s+failed 1\s+cancelled 1")

    def test_an_unknown_set_is_refused_with_the_closest_builtin_names(self):
        for typed, closest in (("nosuchset", None), ("gather", "gather-basics"), ("cancelation", "cancellation")):
            r = run("run", typed)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(f'no built-in set or file named "{typed}"', r.stderr)
            listed = r.stderr.split("the closest built-in sets:", 1)[1].split("(")[0]
            self.assertEqual(len([n for n in listed.split(",") if n.strip()]), 3, r.stderr)
            if closest:
                self.assertEqual(listed.split(",")[0].strip(), closest, r.stderr)
            self.assertNotIn(":1:1:", r.stderr)  # not a parse error of a file

    def test_the_summary_names_failed_and_cancelled_tasks_with_their_error_and_reason(self):
        r = run("run", self.set_path, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"failed:\n    b: boom\n")
        self.assertRegex(r.stdout, r"cancelled:\n    victim: task:killer\n")

    def test_summary_json_prints_the_summary_as_one_json_object(self):
        out = self.path("run.json")
        r = run("run", self.set_path, "--quiet", "--summary-json", "--export", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        summary = json.loads(r.stdout)
        self.assertEqual(summary["set"], "cli-small")
        self.assertEqual(summary["tasks"], 7)
        self.assertEqual(summary["counts"]["failed"], 1)
        self.assertEqual(summary["counts"]["cancelled"], 1)
        self.assertEqual(sum(summary["counts"].values()), summary["tasks"])
        self.assertEqual([(t["name"], t["error"]) for t in summary["failed"]], [("b", "boom")])
        self.assertEqual([(t["name"], t["reason"]) for t in summary["cancelled"]], [("victim", "task:killer")])
        self.assertEqual({loop["name"] for loop in summary["loops"]}, {"main", "worker"})
        self.assertEqual(summary["log"], {"path": out, "format": "json"})
        self.assertFalse(summary["interrupted"])
        self.assertGreater(summary["seconds"], 0)

    def test_list_shows_the_sets_in_the_order_of_the_readme_tour(self):
        with open(os.path.join(SOURCE, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        tour = readme.split("The built-in sets are a tour", 1)[1].split("Every set", 1)[0]
        expected = [name for name in re.findall(r"`([a-z-]+)`", tour)]
        self.assertEqual(expected[0], "lifecycle")
        names = [line.split()[0] for line in run("list").stdout.splitlines() if line.strip()]
        self.assertEqual(names, expected)

    def test_json_export_holds_every_task_with_its_outcome(self):
        out = self.path("run.json")
        self.assertEqual(run("run", self.set_path, "--export", out).returncode, 0)
        with open(out) as f:
            log = json.load(f)
        self.assertEqual(log["format"], "coroscope.log/1")
        self.assertEqual(log["set"], "cli-small")
        tasks = {t["name"]: t for t in log["tasks"]}
        self.assertEqual([t["id"] for t in log["tasks"]], list(range(1, len(log["tasks"]) + 1)))
        self.assertEqual(tasks["main"]["result"], ["x,\"y\"", {"error": "boom"}])
        self.assertEqual(tasks["b"]["state"], "failed")
        self.assertEqual(tasks["b"]["error"], "boom")
        self.assertEqual(tasks["victim"]["state"], "cancelled")
        self.assertEqual(tasks["victim"]["cancel_reason"], "task:killer")
        self.assertIs(tasks["killer"]["result"], True)
        self.assertEqual(tasks["on-worker"]["loop"], "worker")
        self.assertEqual(tasks["on-worker"]["parent"], tasks["remote"]["id"])
        times = [e["t_ms"] for e in log["events"]]
        self.assertEqual(times, sorted(times))
        self.assertEqual({l["name"] for l in log["loops"]}, {"main", "worker"})

    def test_jsonl_export_is_one_event_per_line_with_task_details_on_created(self):
        out = self.path("run.jsonl")
        self.assertEqual(run("run", self.set_path, "--export", out).returncode, 0)
        with open(out) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        created = [e for e in lines if e["type"] == "created"]
        self.assertEqual(len(created), 7)
        for e in created:
            self.assertIn("name", e)
            self.assertIn("op", e)
            self.assertIn("parent", e)
        self.assertTrue(any(e["type"] == "cancel_requested" and e.get("reason") == "task:killer" for e in lines))

    def test_csv_export_is_the_task_table(self):
        out = self.path("run.csv")
        self.assertEqual(run("run", self.set_path, "--export", out).returncode, 0)
        with open(out, newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["id", "name", "op", "parent", "loop", "state", "created_ms", "started_ms",
                                   "finished_ms", "duration_ms", "result", "error", "cancel_reason"])
        by_name = {r[1]: r for r in rows[1:]}
        self.assertEqual(json.loads(by_name["a"][10]), "x,\"y\"")
        self.assertEqual(by_name["victim"][12], "task:killer")

    def test_trace_export_pairs_every_begin_with_an_end(self):
        out = self.path("run.trace.json")
        self.assertEqual(run("run", self.set_path, "--export", out).returncode, 0)
        with open(out) as f:
            trace = json.load(f)
        events = trace["traceEvents"]
        begins = {(e["id"], e["cat"]) for e in events if e["ph"] == "b"}
        ends = {(e["id"], e["cat"]) for e in events if e["ph"] == "e"}
        self.assertEqual(len(begins), 7)
        self.assertEqual(begins, ends)

    def test_format_option_overrides_the_extension(self):
        out = self.path("log.txt")
        self.assertEqual(run("run", self.set_path, "--export", out, "--format", "csv").returncode, 0)
        with open(out) as f:
            self.assertTrue(f.readline().startswith("id,name,op"))

    def test_ctrl_c_cancels_every_task_writes_the_log_and_exits_130(self):
        long_set = self.path("long.json")
        with open(long_set, "w") as f:
            json.dump({"format": "coroscope.taskset/1", "name": "long", "tasks": [
                {"op": "gather", "name": "g", "children": [{"op": "sleep", "name": "s", "seconds": 30}]}]}, f)
        out = self.path("long.json.log.json")
        p = subprocess.Popen([COROSCOPE, "run", long_set, "--export", out], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=20)
        self.assertEqual(p.returncode, 130)
        with open(out) as f:
            log = json.load(f)
        for t in log["tasks"]:
            self.assertEqual(t["state"], "cancelled")
        # Ctrl-C cancels every task with reason user, children included.
        self.assertEqual({t["name"]: t["cancel_reason"] for t in log["tasks"]}, {"g": "user", "s": "user"})

    def write_set(self, name, tasks):
        path = self.path(name + ".json")
        with open(path, "w") as f:
            json.dump({"format": "coroscope.taskset/1", "name": name, "tasks": tasks}, f)
        return path

    def start(self, *args):
        p = subprocess.Popen([COROSCOPE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait(timeout=30), p.stderr.close()))
        return p

    def kill(self, p):
        self.assertIsNone(p.poll(), "the run ended before it could be killed")
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGKILL)

    def test_a_killed_run_leaves_a_jsonl_log_torn_at_most_on_its_last_line(self):
        # 2000 sleeps of 0.2 to 3 s: about 10,000 events over 3 s, written as they come.
        many = self.write_set("many", [{"op": "repeat", "name": "r", "count": 2000,
                                        "task": {"op": "sleep", "seconds": {"uniform": [0.2, 3]}}}])
        out = self.path("many.jsonl")
        p = self.start("run", many, "--export", out)
        # Kill it once it is well into the run: at least 1 s in and past 100 lines. The
        # 0.2 s minimum sleep keeps it running for seconds after the first lines appear,
        # however loaded the machine.
        started = time.monotonic()
        while True:
            self.assertIsNone(p.poll(), "the run ended before it could be killed")
            self.assertLess(time.monotonic() - started, 60, "no jsonl lines after 60 s")
            if time.monotonic() - started >= 1.0 and count_lines(out) > 100:
                break
            time.sleep(0.05)
        self.kill(p)

        with open(out, "rb") as f:
            lines = f.read().split(b"\n")
        # Every line but the last is a whole event; the last one (after the final
        # newline, empty when the kill fell between two writes) may be torn.
        complete = lines[:-1]
        self.assertGreater(len(complete), 100)
        events = []
        for number, line in enumerate(complete, 1):
            event = json.loads(line.decode("utf-8"))
            self.assertIsInstance(event, dict, f"line {number}")
            self.assertIn("type", event, f"line {number}")
            events.append(event)
        self.assertEqual(events[0]["type"], "created")

    def test_a_second_ctrl_c_leaves_at_once_even_while_a_task_blocks_the_loop(self):
        # The tasks run on a loop thread of their own, so signals are still read while
        # a task holds that loop: the first Ctrl-C cannot end this run for 30 s, the
        # second one ends the process.
        stuck = self.write_set("stuck", [{"op": "block", "name": "stuck", "seconds": 30}])
        p = subprocess.Popen([COROSCOPE, "run", stuck], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        time.sleep(0.3)
        self.assertIsNone(p.poll(), "one Ctrl-C ended a run whose loop was blocked")
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 130)
        self.assertIn("interrupted twice", err)

    def test_jsonl_export_ends_every_task_and_holds_every_callback(self):
        # The last events of a run (the callbacks of the last task to end, the worker
        # loop's) come just before the run reports its end: they must reach the log.
        tasks = [{"op": "repeat", "name": "r", "count": 300,
                  "task": {"op": "sleep", "seconds": {"uniform": [0, 0.2]}},
                  "callbacks": [{"kind": "log", "message": f"m{i}"} for i in range(20)]},
                 {"op": "threadsafe", "name": "remote", "child": {"op": "sleep", "name": "w", "seconds": 0.1},
                  "callbacks": [{"kind": "partial", "args": [1]}]}]
        out = self.path("ends.jsonl")
        r = run("run", self.write_set("ends", tasks), "--export", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            data = f.read()
        self.assertTrue(data.endswith(b"\n"))
        events = [json.loads(line) for line in data.splitlines()]
        created = {e["task"] for e in events if e["type"] == "created"}
        ends = [e["task"] for e in events if e["type"] in ("done", "failed", "cancelled")]
        self.assertEqual(len(created), 303)
        self.assertEqual(sorted(ends), sorted(created))
        self.assertEqual(sum(e["type"] == "callback" for e in events), 21)

    def test_the_progress_line_is_drawn_on_a_terminal_and_cleared_at_the_end(self):
        tasks = [{"op": "sleep", "name": "s", "seconds": 0.3}]
        controller, terminal = pty.openpty()
        p = subprocess.Popen([COROSCOPE, "run", self.write_set("progress", tasks)], stdout=subprocess.PIPE,
                             stderr=terminal)
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the other end is closed
                break
            if not chunk:
                break
            drawn += chunk
        os.close(controller)
        out, _ = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"running 1  done 0", drawn)
        self.assertTrue(drawn.endswith(b"\r\x1b[2K"), drawn[-80:])
        self.assertIn(b"progress: 1 tasks in", out)
        self.assertNotIn(b"\x1b", out)

    def test_a_killed_run_leaves_the_previous_json_log_intact(self):
        out = self.path("run.json")
        self.assertEqual(run("run", self.set_path, "--export", out).returncode, 0)
        with open(out, "rb") as f:
            before = f.read()
        self.assertEqual(json.loads(before)["set"], "cli-small")

        long_set = self.write_set("long", [{"op": "sleep", "name": "s", "seconds": 30},
                                           {"op": "repeat", "name": "r", "count": 500,
                                            "task": {"op": "sleep", "seconds": {"uniform": [0, 1]}}}])
        p = self.start("run", long_set, "--export", out)
        time.sleep(1.0)  # mid-run: the set lasts 30 s
        self.kill(p)

        with open(out, "rb") as f:
            after = f.read()
        self.assertEqual(after, before)
        self.assertEqual(json.loads(after)["set"], "cli-small")

    def test_a_set_of_ten_million_tasks_is_announced_before_it_runs(self):
        huge = self.path("huge.json")
        with open(huge, "w") as f:
            json.dump({"format": "coroscope.taskset/1", "name": "huge", "deadline": 0, "tasks": [
                {"op": "repeat", "name": "r", "count": 10000000, "task": {"op": "sleep", "seconds": 1}}]}, f)
        r = run("run", huge, "--force")  # --force: whatever memory this machine has free
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("creates up to 10000001 tasks", r.stderr)
        self.assertIn("GiB", r.stderr)

    # --- where a log goes -----------------------------------------------------------

    def make_device(self, name, like):
        """A character device node in the temp folder with the numbers of `like` (e.g. /dev/full)."""
        if os.geteuid() != 0:
            self.skipTest("mknod needs root")
        rdev = os.stat(like).st_rdev
        path = self.path(name)
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(os.major(rdev), os.minor(rdev)))
        return path

    def test_exporting_to_a_device_writes_into_it_and_leaves_it_a_device(self):
        for fmt in ("json", "csv", "trace"):
            null = self.make_device("null-" + fmt, "/dev/null")
            r = run("run", self.set_path, "--export", null, "--format", fmt)
            self.assertEqual(r.returncode, 0, (fmt, r.stderr))
            self.assertTrue(stat.S_ISCHR(os.stat(null).st_mode), f"{fmt}: the device was replaced")

    def test_exporting_to_a_full_device_reports_the_error_and_exits_1(self):
        for fmt in ("json", "jsonl", "csv", "trace"):
            full = self.make_device("full-" + fmt, "/dev/full")
            r = run("run", self.set_path, "--export", full, "--format", fmt)
            self.assertEqual(r.returncode, 1, (fmt, r.stderr))
            self.assertIn("No space left on device", r.stderr, fmt)
            self.assertNotIn("Unknown error", r.stderr, fmt)
            self.assertTrue(stat.S_ISCHR(os.stat(full).st_mode), f"{fmt}: the device was replaced")

    def test_exporting_to_a_fifo_streams_the_log_through_it(self):
        fifo = self.path("log.fifo")
        os.mkfifo(fifo)
        received = {}

        def read():
            with open(fifo, "rb") as f:
                received["data"] = f.read()

        reader = threading.Thread(target=read)
        reader.start()
        r = run("run", self.set_path, "--export", fifo, "--format", "json")
        reader.join(timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced")
        self.assertEqual(json.loads(received["data"])["set"], "cli-small")

    def test_exporting_over_the_input_set_is_refused_under_any_spelling(self):
        with open(self.set_path, "rb") as f:
            original = f.read()
        link = self.path("link.json")
        os.symlink(self.set_path, link)
        os.mkdir(self.path("sub"))
        for target in (self.set_path, link, os.path.join(self.dir, "sub", "..", "small.json")):
            r = run("run", self.set_path, "--export", target)
            self.assertEqual(r.returncode, 2, (target, r.stderr))
            self.assertIn("input", r.stderr)
            self.assertNotIn("cli-small:", r.stdout, "the run went ahead")
        r = run("run", link, "--export", self.set_path, "--format", "csv")
        self.assertEqual(r.returncode, 2, r.stderr)
        with open(self.set_path, "rb") as f:
            self.assertEqual(f.read(), original)

    def test_a_second_run_cannot_write_a_jsonl_log_another_run_is_writing(self):
        slow = self.write_set("slow", [{"op": "sleep", "name": "s", "seconds": 30}])
        out = self.path("shared.jsonl")
        first = self.start("run", slow, "--export", out)
        started = time.monotonic()
        while count_lines(out) < 2:  # created, started: the first run holds the file
            self.assertIsNone(first.poll(), "the first run ended early")
            self.assertLess(time.monotonic() - started, 60)
            time.sleep(0.05)
        second = run("run", self.set_path, "--export", out)
        self.assertEqual(second.returncode, 2, second.stderr)
        self.assertIn("another run", second.stderr)
        self.assertNotIn("cli-small:", second.stdout, "the second run went ahead")
        with open(out) as f:
            events = [json.loads(line) for line in f]
        self.assertEqual({e["task"] for e in events}, {1})

    def test_an_export_path_that_cannot_be_written_is_refused_before_the_run(self):
        os.mkdir(self.path("dir.json"))
        cases = [["--export", ""], ["--export", self.path("dir.json")], ["--format", ""]]
        if os.geteuid() != 0:  # root writes read-only files
            ro = self.path("ro.json")
            open(ro, "w").close()
            os.chmod(ro, 0o444)
            cases.append(["--export", ro])
        for extra in cases:
            r = run("run", self.set_path, *extra)
            self.assertEqual(r.returncode, 2, (extra, r.stderr))
            self.assertTrue(r.stderr.strip(), extra)
            self.assertNotIn("cli-small:", r.stdout, (extra, "the run went ahead"))

    def test_a_set_file_whose_name_starts_with_a_colon_is_a_file_not_a_resource(self):
        with open(self.path(":odd.json"), "w") as f:
            json.dump(SMALL_SET, f)
        r = subprocess.run([COROSCOPE, "validate", ":odd.json"], capture_output=True, text=True, timeout=60, cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run([COROSCOPE, "run", ":odd.json", "--export", ":odd.csv"], capture_output=True, text=True,
                           timeout=60, cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.dir, ":odd.csv")))

    # --- big numbers --------------------------------------------------------------

    def test_durations_beyond_a_lifetime_never_fire_and_tiny_ones_are_zero(self):
        # Written as text: 1e-400 is valid JSON that no Python float holds.
        path = self.path("big.json")
        with open(path, "w") as f:
            f.write("""{"format": "coroscope.taskset/1", "name": "big", "deadline": 0.5, "tasks": [
              {"op": "sleep", "name": "forever", "seconds": 1e308},
              {"op": "wait_for", "name": "patient", "timeout": 1e300,
               "child": {"op": "sleep", "name": "short", "seconds": 0.1}},
              {"op": "wait", "name": "w", "timeout": 1e300, "children": [{"op": "sleep", "seconds": 0.1}]},
              {"op": "sleep", "name": "target", "seconds": 1e300},
              {"op": "cancel", "name": "never", "target": "target", "after": 1e300},
              {"op": "sleep", "name": "tiny", "seconds": 1e-400, "result": "tiny"}]}""")
        out = self.path("big.log.json")
        r = run("run", path, "--export", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            tasks = {t["name"]: t for t in json.load(f)["tasks"]}
        self.assertEqual((tasks["forever"]["state"], tasks["forever"]["cancel_reason"]), ("cancelled", "deadline"))
        self.assertEqual(tasks["patient"]["state"], "done")
        self.assertEqual(tasks["w"]["state"], "done")
        self.assertEqual((tasks["target"]["state"], tasks["target"]["cancel_reason"]), ("cancelled", "deadline"))
        self.assertEqual((tasks["never"]["state"], tasks["never"]["cancel_reason"]), ("cancelled", "deadline"))
        self.assertEqual((tasks["tiny"]["state"], tasks["tiny"]["result"]), ("done", "tiny"))

    def test_a_deadline_of_49_7_days_does_not_fire_after_0_7_seconds(self):
        # 2^32 ms + 700 ms: a 32-bit timer would wrap it to 700 ms.
        path = self.write_set("far", [{"op": "sleep", "name": "s", "seconds": 1.2, "result": "slept"}])
        with open(path) as f:
            doc = json.load(f)
        doc["deadline"] = 4294967.996
        with open(path, "w") as f:
            json.dump(doc, f)
        out = self.path("far.json.log.json")
        r = run("run", path, "--export", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            task = json.load(f)["tasks"][0]
        self.assertEqual((task["state"], task["result"]), ("done", "slept"))

    # --- limits -------------------------------------------------------------------

    def test_a_set_far_beyond_the_memory_available_is_refused_before_it_runs(self):
        sets = {
            "queue": [{"op": "queue", "name": "q", "capacity": 0, "producers": 2 ** 53, "consumers": 1, "items": 0,
                       "produce_seconds": 0, "consume_seconds": 0}],
            "nested": [{"op": "repeat", "name": "r", "count": 10000000,
                        "task": {"op": "repeat", "count": 10000000, "task": {"op": "sleep", "seconds": 1}}}],
        }
        for name, tasks in sets.items():
            started = time.monotonic()
            r = run("run", self.write_set(name, tasks), timeout=60)
            self.assertEqual(r.returncode, 2, (name, r.stderr))
            self.assertRegex(r.stderr, r"creates up to \d+ tasks, about [\d.]+ GiB of memory, and only [\d.]+ GiB is available")
            self.assertIn("--force", r.stderr)
            self.assertEqual(r.stdout, "", name)
            self.assertLess(time.monotonic() - started, 10, name)

    def test_running_out_of_memory_ends_with_a_message_and_exit_1_and_a_valid_log(self):
        # Two million sleeping tasks (800 MB and more) fit in none of these address-space
        # limits, and each runs out in a different place (the record's reservation, a
        # task's frame, a Qt container). None of them may end as one task's error in a
        # run that "finished" (docs/spec/runtime-package.md, "Memory").
        huge = self.write_set("huge", [{"op": "repeat", "name": "sleepers", "count": 2 * 10 ** 6,
                                        "task": {"op": "sleep", "seconds": 600}}])
        for kib in (300000, 400000, 500000):
            with self.subTest(limit_kib=kib):
                limit = kib * 1024
                out = self.path("oom-%d.jsonl" % kib)
                r = subprocess.run([COROSCOPE, "run", huge, "--force", "--export", out], capture_output=True,
                                   text=True, timeout=300,
                                   preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
                self.assertEqual(r.returncode, 1, r.stderr[-2000:])
                self.assertIn("out of memory", r.stderr)
                with open(out, "rb") as f:
                    lines = f.read().split(b"\n")
                for line in lines[:-1]:  # every whole line is an event; the last may be torn
                    self.assertIn("type", json.loads(line))
        # The largest limit runs long enough to log events before it runs out.
        self.assertGreater(len(lines), 1000)

    def test_a_second_ctrl_c_is_not_needed_while_a_huge_set_spawns(self):
        tasks = [{"op": "queue", "name": "q", "capacity": 0, "producers": 10 ** 12, "consumers": 1, "items": 0,
                  "produce_seconds": 0, "consume_seconds": 0}]
        p = subprocess.Popen([COROSCOPE, "run", self.write_set("spawning", tasks), "--force"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        # Wait for the announcement: the run is under way once it is printed.
        self.assertIn("creates up to", p.stderr.readline())
        time.sleep(0.5)  # well into making the producers
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130, err[-2000:])
        self.assertNotIn("interrupted twice", err)

    # --- what reaches the terminal ------------------------------------------------

    def test_names_and_keys_from_a_file_reach_the_terminal_escaped(self):
        evil = "a\x1b]0;owned\x07\rb\x00c\u202e"
        path = self.write_set("evil", [{"op": "sleep", "name": evil, "seconds": 0}])
        r = subprocess.run([COROSCOPE, "run", path], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        for raw in (b"\x1b", b"\r", b"\x00", "\u202e".encode()):
            self.assertNotIn(raw, r.stdout)
        self.assertIn(b"a\\u001b]0;owned\\u0007\\u000db\\u0000c\\u202e", r.stdout)

        # A key cannot forge a line of its own in validate's output.
        forged = self.path("forged.json")
        with open(forged, "w") as f:
            json.dump({"format": "coroscope.taskset/1", "name": "f",
                       "tasks": [{"op": "sleep", "seconds": 1, "x\nfake.json:1:1: /tasks: all good": 1}]}, f)
        r = subprocess.run([COROSCOPE, "validate", forged], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        lines = r.stderr.decode().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].startswith(forged + ":"), lines)
        self.assertIn("\\u000afake.json", lines[0])

    def test_output_lost_on_a_full_device_is_an_error(self):
        full = self.make_device("full", "/dev/full")
        for args in (["validate", self.set_path], ["list"], ["--help"]):
            with open(full, "w") as sink:
                r = subprocess.run([COROSCOPE, *args], stdout=sink, stderr=subprocess.PIPE, text=True, timeout=60)
            self.assertEqual(r.returncode, 1, (args, r.stderr))
            self.assertIn("No space left on device", r.stderr, args)
    def run_set(self, tasks, **keys):
        """Runs a set made of `tasks` with a json export; returns (result, seconds, tasks by name)."""
        path = self.path("set.json")
        with open(path, "w") as f:
            json.dump({"format": "coroscope.taskset/1", "name": "pool-left", "tasks": tasks, **keys}, f)
        out = self.path("out.json")
        started = time.monotonic()
        r = run("run", path, "--export", out)
        took = time.monotonic() - started
        tasks = {}
        if os.path.exists(out):
            with open(out) as f:
                tasks = {t["name"]: t for t in json.load(f)["tasks"]}
        return r, took, tasks

    def test_a_run_ending_while_cancelled_pool_work_still_computes_exits_zero_at_once(self):
        # The work goes on on the pool after the run has ended; nothing waits for it.
        r, took, tasks = self.run_set([
            {"op": "wait_for", "name": "wf", "timeout": 0.1,
             "child": {"op": "cpu", "name": "work", "work_ms": 5000, "where": "pool"}}])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(tasks["work"]["state"], "cancelled")
        self.assertEqual(tasks["work"]["cancel_reason"], "timeout")
        self.assertEqual(tasks["wf"]["error"], "timeout")
        self.assertLess(took, 4.0)

    def test_a_deadline_that_cancels_pool_work_on_both_loops_exits_zero(self):
        r, took, tasks = self.run_set([
            {"op": "cpu", "name": "main-work", "work_ms": 5000, "where": "pool"},
            {"op": "threadsafe", "name": "remote",
             "child": {"op": "cpu", "name": "worker-work", "work_ms": 5000, "where": "pool"}}],
            deadline=0.1)
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in ("main-work", "worker-work", "remote"):
            self.assertEqual(tasks[name]["state"], "cancelled", name)
        self.assertEqual(tasks["main-work"]["cancel_reason"], "deadline")
        self.assertLess(took, 4.0)

    def test_builtin_sets_run_by_name(self):
        out = self.path("lc.json")
        r = run("run", "lifecycle", "--export", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            self.assertEqual(json.load(f)["set"], "lifecycle")


@unittest.skipUnless(shutil.which("Xvfb"), "needs Xvfb")
class DashboardRendererTest(unittest.TestCase):
    """Where OpenGL is drawn by the CPU, the dashboard draws with Qt Quick's software
    renderer, and the OpenGL question is asked in a child process: a GL driver's
    libraries (llvmpipe: LLVM) never map into the dashboard."""

    def setUp(self):
        read_fd, write_fd = os.pipe()
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24",
                                      "-nolisten", "tcp"], pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
        os.close(write_fd)
        with os.fdopen(read_fd) as f:
            self.display = ":" + f.readline().strip()
        self.addCleanup(self.stop, self.xvfb)

    @staticmethod
    def stop(process):
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def test_the_dashboard_on_cpu_opengl_draws_in_software_without_the_driver_in_its_memory(self):
        env = dict(os.environ, DISPLAY=self.display, QT_QPA_PLATFORM="xcb")
        env.pop("COROSCOPE_RENDERER_PROBE", None)
        app = subprocess.Popen([COROSCOPE], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.addCleanup(self.stop, app)
        chosen = ""
        for line in app.stderr:
            if "drawing with" in line:
                chosen = line
                break
        self.assertIn("software renderer", chosen)
        self.assertTrue("drawn by the CPU" in chosen or "no usable OpenGL" in chosen, chosen)
        with open(f"/proc/{app.pid}/maps") as f:
            drivers = {line.split()[-1] for line in f if "libLLVM" in line or "_dri.so" in line}
        self.assertEqual(drivers, set())
        self.assertIsNone(app.poll(), "the dashboard runs on")


if __name__ == "__main__":
    unittest.main()
