"""`coroscope attach`: a real asyncio program run through coroscope_probe, watched and
steered end to end (docs/spec/probe-protocol.md)."""
import csv
import json
import os
import select
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import unittest

COROSCOPE = os.environ.get("COROSCOPE", "build/dev/app/coroscope")
SOURCE = os.environ.get("COROSCOPE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
DEADLINE = 60  # seconds: a hang fails the test instead of hanging the suite

# The watched program: tasks in each state, a stall, then it waits for SIGUSR1.
PROGRAM = r'''
import asyncio, signal, sys, time

async def sleeper():
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        print("sleeper got CancelledError", file=sys.stderr, flush=True)
        raise

async def finisher():
    return {"answer": 42}

async def failer():
    raise ValueError("boom")

async def blocker():
    time.sleep(0.08)          # holds the loop: a stall

async def main():
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, stop.set_result, None)
    tasks = [asyncio.create_task(sleeper(), name="sleeper"),
             asyncio.create_task(finisher(), name="finisher"),
             asyncio.create_task(failer(), name="failer"),
             asyncio.create_task(blocker(), name="blocker")]
    await asyncio.wait(tasks[1:])
    print("ready", flush=True)
    await stop
    print("sleeper is", "cancelled" if tasks[0].cancelled() else "not cancelled", flush=True)
    print("survived", flush=True)

asyncio.run(main())
'''

# A burst of BURST tasks, made on SIGUSR1, that writes far more than 16 MiB of events:
# a third return, a third fail, a third sleep on (and of those, every other one is
# cancelled), and half of 100 tasks made before it are cancelled. Then it writes every
# task's final state to TRUTH, waits until its clients have been sent all that waited
# for them (so that they see it all before the program ends), and ends.
BURST_PROGRAM = r'''
import asyncio, json, os, signal, time
import coroscope_probe

async def quick(i):
    await asyncio.sleep(0)
    if i % 3 == 1:
        raise ValueError("boom %d" % i)
    return i

async def sleeper():
    await asyncio.sleep(3600)

def state(task):
    if not task.done():
        return "running"
    if task.cancelled():
        return "cancelled"
    return "failed" if task.exception() else "done"

async def main():
    loop = asyncio.get_running_loop()
    go = loop.create_future()
    loop.add_signal_handler(signal.SIGUSR1, go.set_result, None)
    known = [asyncio.create_task(sleeper(), name="known %d" % i) for i in range(100)]
    await asyncio.sleep(0)
    print("ready", flush=True)
    await go
    burst = [asyncio.create_task(sleeper() if i % 3 == 2 else quick(i),
                                 name="a burst task with a name long enough to fill the wire %d" % i)
             for i in range(int(os.environ["BURST"]))]
    for t in known[::2] + burst[2::6]:
        t.cancel()
    ending = known[::2] + [t for i, t in enumerate(burst) if i % 3 != 2 or i % 6 == 2]
    await asyncio.wait(ending)
    with open(os.environ["TRUTH"], "w") as f:
        json.dump({t.get_name(): state(t) for t in known + burst}, f)
    print("burst done", flush=True)

    def caught_up():    # off the loop: waiting makes no events
        while any(c.behind or c.resyncing or c.out for c in coroscope_probe._probe.clients):
            time.sleep(0.05)
    await loop.run_in_executor(None, caught_up)
    os._exit(0)         # at once: asyncio.run would cancel the sleepers the table has running

asyncio.run(main())
'''

# On SIGUSR1, ENDING tasks that finish, and the program ends at once: their events are
# still on their way to the monitor when the interpreter exits.
ENDING_PROGRAM = r'''
import asyncio, os, signal

async def quick(i):
    return i

async def main():
    loop = asyncio.get_running_loop()
    go = loop.create_future()
    loop.add_signal_handler(signal.SIGUSR1, go.set_result, None)
    print("ready", flush=True)
    await go
    await asyncio.gather(*(asyncio.create_task(quick(i), name="last %d" % i)
                           for i in range(int(os.environ["ENDING"]))))
    print("ending", flush=True)

asyncio.run(main())
'''


def read_line(stream, timeout=DEADLINE):
    """The next line of a child's unbuffered pipe, waiting on the pipe (never a bare
    sleep). Read a byte at a time: a buffered reader would hide lines from select()."""
    line = b""
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([stream], [], [], timeout)
        if not ready:
            raise AssertionError("no line within %d s (got %r)" % (timeout, line))
        byte = os.read(stream.fileno(), 1)
        if not byte:
            break
        line += byte
    return line.decode()


def end_unread(test, program, monitor, go):
    """Lets the program end while the monitor reads nothing: `go()` makes the program
    start its last burst, and the monitor reads again once the program says "ending",
    so everything waits in the probe as it exits. Both must then exit with code 0;
    returns what the monitor printed."""
    monitor.send_signal(signal.SIGSTOP)
    try:
        go()
        test.assertEqual(read_line(program.stdout), "ending\n")
    finally:
        monitor.send_signal(signal.SIGCONT)
    _, err = program.communicate(timeout=DEADLINE)
    test.assertEqual(program.returncode, 0, err)
    out, err = monitor.communicate(timeout=DEADLINE)
    test.assertEqual(monitor.returncode, 0, out + err)
    return out


def send_and_read_until_closed(endpoint, data):
    """Sends `data` to a probe's socket and returns every byte it answers until it
    closes the connection (it may hang up while `data` is still being sent)."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(DEADLINE)
        s.connect(endpoint)
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        frames = b""
        while True:
            try:
                chunk = s.recv(1 << 16)
            except ConnectionResetError:
                break
            if not chunk:
                break
            frames += chunk
        return frames


class AttachTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.env = dict(os.environ, XDG_RUNTIME_DIR=self.tmp.name,
                        PYTHONPATH=os.path.join(SOURCE, "python"))
        self.script = self.path("watched.py")
        with open(self.script, "w") as f:
            f.write(PROGRAM)

    def path(self, *names):
        return os.path.join(self.tmp.name, *names)

    def start_program(self):
        program = subprocess.Popen([sys.executable, "-m", "coroscope_probe", self.script],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, env=self.env)
        self.addCleanup(lambda: program.poll() is None and program.kill())
        self.addCleanup(program.stdout.close)
        self.addCleanup(program.stderr.close)
        self.assertEqual(read_line(program.stdout), "ready\n")
        return program

    def stop_program(self, program):
        """Asks the program to end; its stdout and stderr, once it has."""
        program.send_signal(signal.SIGUSR1)
        out, err = program.communicate(timeout=DEADLINE)
        return out.decode(), err.decode()

    def coroscope(self, *args):
        return subprocess.run([COROSCOPE, "attach", *args], capture_output=True, text=True,
                              env=self.env, timeout=DEADLINE)

    def attach_until_attached(self, *args):
        """A running `coroscope attach` that has read the program's snapshot."""
        monitor = subprocess.Popen([COROSCOPE, "attach", *args], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, bufsize=0, env=self.env)
        self.addCleanup(lambda: monitor.poll() is None and monitor.kill())
        self.addCleanup(monitor.stdout.close)
        self.addCleanup(monitor.stderr.close)
        line = read_line(monitor.stdout)
        if not line.startswith("attached to watched.py"):
            monitor.kill()
            self.fail(line + monitor.stderr.read().decode())
        return monitor

    def record(self, program, name="run.json"):
        log = self.path(name)
        r = self.coroscope(str(program.pid), "--seconds", "0.2", "--export", log)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(log) as f:
            return json.load(f)

    def test_the_endpoint_is_a_socket_named_after_the_pid_in_a_private_folder(self):
        program = self.start_program()
        folder = self.path("coroscope")
        self.assertEqual(stat.S_IMODE(os.lstat(folder).st_mode), 0o700)
        self.assertTrue(stat.S_ISSOCK(os.stat(os.path.join(folder, "%d.sock" % program.pid)).st_mode))
        self.stop_program(program)
        self.assertEqual(os.listdir(folder), [], "the probe removes its socket when the program ends")

    def test_list_names_the_watched_program_and_skips_a_stale_socket(self):
        program = self.start_program()
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(self.path("coroscope", "999999.sock"))
        stale.close()  # bound, never listening: what a killed program leaves behind
        r = self.coroscope("--list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?m)^%d +\S+Z +\S*watched\.py$" % program.pid)
        self.assertNotIn("999999", r.stdout)
        self.stop_program(program)

    def test_the_programs_tasks_appear_with_their_states_results_errors_and_stalls(self):
        program = self.start_program()
        log = self.record(program)
        tasks = {t["name"]: t for t in log["tasks"]}
        self.assertEqual(log["format"], "coroscope.log/1")
        self.assertEqual(log["set"], "watched.py")
        self.assertEqual(tasks["sleeper"]["state"], "running")
        self.assertEqual(tasks["finisher"]["state"], "done")
        self.assertEqual(tasks["finisher"]["result"], {"answer": 42})
        self.assertEqual(tasks["failer"]["state"], "failed")
        self.assertEqual(tasks["failer"]["error"], "ValueError: boom")
        self.assertEqual(tasks["blocker"]["state"], "done")
        main = tasks["Task-1"]
        self.assertEqual(main["state"], "running")
        self.assertEqual(tasks["sleeper"]["parent"], main["id"])
        suspended = [e for e in log["events"] if e["task"] == tasks["sleeper"]["id"] and e["type"] == "suspended"]
        self.assertEqual(suspended[-1]["await"], "sleep 3600s")
        stalls = log["loops"][0]["stalls"]
        self.assertTrue(any(s["task"] == tasks["blocker"]["id"] and s["ms"] >= 50 for s in stalls), stalls)
        self.stop_program(program)

    def test_every_format_can_be_written(self):
        program = self.start_program()
        for name in ("run.jsonl", "run.csv", "run.trace.json"):
            r = self.coroscope(str(program.pid), "--seconds", "0.1", "--export", self.path(name))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(self.path("run.csv")) as f:
            self.assertIn(",sleeper,task,", f.read())
        with open(self.path("run.jsonl")) as f:
            created = [json.loads(line) for line in f if '"created"' in line]
        self.assertIn("failer", [e["name"] for e in created])
        self.stop_program(program)

    def test_a_cancel_ends_the_chosen_task_with_CancelledError_and_a_callback_fires_in_the_program(self):
        program = self.start_program()
        log = self.path("cancel.json")
        monitor = self.attach_until_attached(str(program.pid), "--cancel", "sleeper",
                                             "--callback", "sleeper=goodbye from coroscope", "--export", log)
        answers = {read_line(monitor.stdout), read_line(monitor.stdout)}
        self.assertEqual(answers, {"added a log callback to sleeper\n", "cancelled sleeper\n"})
        out, err = self.stop_program(program)
        self.assertEqual(program.returncode, 0, err)
        self.assertIn("sleeper got CancelledError", err)
        self.assertIn("coroscope: task sleeper: goodbye from coroscope", err)
        self.assertIn("sleeper is cancelled", out)
        # The monitor saw the program end, and wrote what it saw.
        self.assertEqual(monitor.wait(timeout=DEADLINE), 0)
        with open(log) as f:
            sleeper = next(t for t in json.load(f)["tasks"] if t["name"] == "sleeper")
        self.assertEqual(sleeper["state"], "cancelled")
        self.assertEqual(sleeper["cancel_reason"], "user")
        self.assertEqual(sleeper["callbacks"][0]["kind"], "log")
        self.assertEqual(sleeper["callbacks"][0]["message"], "goodbye from coroscope")
        self.assertIsNotNone(sleeper["callbacks"][0]["fired_ms"])

    def test_a_socket_named_directly_is_attached_to_as_a_forwarded_one_would_be(self):
        program = self.start_program()
        endpoint = self.path("coroscope", "%d.sock" % program.pid)
        r = self.coroscope("--socket", endpoint, "--seconds", "0.1", "--export", self.path("run.csv"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("watched.py (pid %d): 5 tasks" % program.pid, r.stdout)
        self.stop_program(program)

    def test_a_program_that_installs_the_probe_itself_is_watched(self):
        with open(self.script, "w") as f:
            f.write("import coroscope_probe\ncoroscope_probe.install()\n" + PROGRAM)
        program = subprocess.Popen([sys.executable, self.script], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, bufsize=0, env=self.env)
        self.addCleanup(lambda: program.poll() is None and program.kill())
        self.assertEqual(read_line(program.stdout), "ready\n")
        tasks = {t["name"]: t["state"] for t in self.record(program)["tasks"]}
        self.assertEqual(tasks["finisher"], "done")
        self.assertEqual(tasks["sleeper"], "running")
        out, err = self.stop_program(program)
        self.assertIn("survived", out)

    def test_ctrl_c_detaches_writes_the_log_and_leaves_the_program_running(self):
        program = self.start_program()
        log = self.path("interrupted.json")
        monitor = self.attach_until_attached(str(program.pid), "--export", log)
        monitor.send_signal(signal.SIGINT)
        out, err = monitor.communicate(timeout=DEADLINE)
        self.assertEqual(monitor.returncode, 0, err)
        self.assertIn(b"detached, the program runs on", out)
        with open(log) as f:
            self.assertIn("sleeper", [t["name"] for t in json.load(f)["tasks"]])
        self.assertIsNone(program.poll())
        out, err = self.stop_program(program)
        self.assertIn("survived", out)

    def test_a_command_for_a_task_that_never_appears_fails_with_its_name(self):
        program = self.start_program()
        r = self.coroscope(str(program.pid), "--seconds", "0.2", "--cancel", "nobody")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("cancel nobody: no unfinished task of that name appeared", r.stderr)
        self.stop_program(program)

    def test_the_program_survives_a_detach_a_killed_monitor_and_garbage(self):
        program = self.start_program()
        endpoint = self.path("coroscope", "%d.sock" % program.pid)
        # A detach.
        self.record(program, "first.json")
        # A monitor killed while attached.
        monitor = self.attach_until_attached(str(program.pid))
        monitor.kill()
        monitor.wait(timeout=DEADLINE)
        # Garbage, before and after attaching, and a frame over 1 MiB: each gets one
        # error frame and a closed connection.
        for garbage in (b"\xff\xfe not json\n",
                        b'{"type":"attach","protocol":"coroscope.probe/1"}\n[1, 2]\n',
                        b'{"type":"attach","protocol":"coroscope.probe/1"}\n{"type":"cancel","task":"x"}\n',
                        b"x" * (1 << 20) + b"\n"):
            frames = send_and_read_until_closed(endpoint, garbage)
            last = json.loads(frames.splitlines()[-1])
            self.assertEqual(last["type"], "error", frames[-300:])
        # Still watched, still running, its tasks as before.
        tasks = {t["name"]: t for t in self.record(program, "after.json")["tasks"]}
        self.assertEqual(tasks["sleeper"]["state"], "running")
        out, err = self.stop_program(program)
        self.assertEqual(program.returncode, 0, err)
        self.assertIn("survived", out)
        self.assertNotIn("Traceback", err)

    def test_a_folder_others_could_write_is_refused_by_both_sides(self):
        folder = self.path("coroscope")
        os.mkdir(folder, 0o755)
        os.chmod(folder, 0o755)
        program = self.start_program()
        r = self.coroscope(str(program.pid), "--seconds", "0.1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("has mode 755, not 700", r.stderr)
        self.assertEqual(os.listdir(folder), [], "the probe does not serve there")
        out, err = self.stop_program(program)
        self.assertIn("coroscope_probe: not serving", err)
        self.assertIn("survived", out, "the program runs on unwatched")

    def test_without_a_usable_XDG_RUNTIME_DIR_both_sides_use_the_users_folder_in_tmp(self):
        for value in (None, "relative/dir"):
            with self.subTest(XDG_RUNTIME_DIR=value):
                self.env.pop("XDG_RUNTIME_DIR", None)
                if value is not None:
                    self.env["XDG_RUNTIME_DIR"] = value
                program = self.start_program()
                folder = "/tmp/coroscope-%d" % os.getuid()
                self.assertEqual(stat.S_IMODE(os.lstat(folder).st_mode), 0o700)
                self.assertTrue(os.path.exists(os.path.join(folder, "%d.sock" % program.pid)))
                tasks = {t["name"]: t["state"] for t in self.record(program)["tasks"]}
                self.assertEqual(tasks["sleeper"], "running")
                self.stop_program(program)

    def test_a_monitor_that_falls_behind_a_burst_is_resynced_and_records_every_task_as_it_ended(self):
        with open(self.script, "w") as f:
            f.write(BURST_PROGRAM)
        self.env["BURST"] = "60000"
        self.env["TRUTH"] = self.path("truth.json")
        program = self.start_program()
        table = self.path("burst.csv")
        monitor = self.attach_until_attached(str(program.pid), "--export", table)
        # The monitor stops reading while the burst's events (some 25 MB) are made.
        monitor.send_signal(signal.SIGSTOP)
        try:
            program.send_signal(signal.SIGUSR1)
            self.assertEqual(read_line(program.stdout, timeout=300), "burst done\n")
        finally:
            monitor.send_signal(signal.SIGCONT)
        out, err = program.communicate(timeout=300)
        self.assertEqual(program.returncode, 0, err)
        self.assertNotIn(b"Traceback", err)
        out, err = monitor.communicate(timeout=DEADLINE)
        self.assertEqual(monitor.returncode, 0, out + err)
        self.assertRegex(out, rb"the program has ended \(fell behind and was resynced \d+ times?\)")
        with open(self.env["TRUTH"]) as f:
            truth = json.load(f)
        with open(table, newline="") as f:
            seen = {row["name"]: row["state"] for row in csv.DictReader(f)}
        self.assertEqual(len(truth), 60100)
        wrong = {name: (seen.get(name), want) for name, want in truth.items() if seen.get(name) != want}
        self.assertEqual(len(wrong), 0, list(wrong.items())[:5])

    def test_what_the_program_did_just_before_it_ended_reaches_the_monitor(self):
        with open(self.script, "w") as f:
            f.write(ENDING_PROGRAM)
        self.env["ENDING"] = "5000"
        program = self.start_program()
        table = self.path("ending.csv")
        monitor = self.attach_until_attached(str(program.pid), "--export", table)
        end_unread(self, program, monitor, lambda: program.send_signal(signal.SIGUSR1))
        with open(table, newline="") as f:
            states = [row["state"] for row in csv.DictReader(f) if row["name"].startswith("last ")]
        self.assertEqual(len(states), 5000)
        self.assertEqual(set(states), {"done"})

    def test_attaching_to_a_pid_without_a_probe_says_so(self):
        os.mkdir(self.path("coroscope"), 0o700)
        r = self.coroscope("999999", "--seconds", "0.1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot attach", r.stderr)


BURST = os.environ.get("COROSCOPE_PROBE_BURST")


@unittest.skipUnless(BURST, "COROSCOPE_PROBE_BURST not set (run through ctest)")
class CppProgramEndingAfterABurstTest(unittest.TestCase):
    """A C++ program watched by its runtime's probe that ends just after a burst of tasks
    (tests/runtime/probe_burst.cpp), attached to by `coroscope attach` (docs/spec/
    probe-protocol.md, "At exit")."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.env = dict(os.environ, XDG_RUNTIME_DIR=self.tmp.name)
        self.env.pop("COROSCOPE_PROBE", None)

    def test_a_monitor_behind_when_the_program_ends_exports_every_tasks_final_state(self):
        tasks = 30000
        # Ten steps each: some 40 MB of events, far more than the 16 MiB that may wait.
        program = subprocess.Popen([BURST, str(tasks), "10"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, bufsize=0, env=dict(self.env, COROSCOPE_PROBE="1"))
        self.addCleanup(lambda: program.poll() is None and (program.kill(), program.wait()))
        self.addCleanup(program.stdin.close)
        self.addCleanup(program.stdout.close)
        self.addCleanup(program.stderr.close)
        self.assertEqual(read_line(program.stdout), "ready\n")
        table = os.path.join(self.tmp.name, "burst.csv")
        monitor = subprocess.Popen([COROSCOPE, "attach", str(program.pid), "--export", table], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, bufsize=0, env=self.env)
        self.addCleanup(lambda: monitor.poll() is None and (monitor.kill(), monitor.wait()))
        self.addCleanup(monitor.stdout.close)
        self.addCleanup(monitor.stderr.close)
        self.assertTrue(read_line(monitor.stdout).startswith("attached to probe_burst"))
        # The monitor is far behind when the program ends, and has the probe's last
        # second to catch up.
        out = end_unread(self, program, monitor, lambda: program.stdin.write(b"go\n"))
        with open(table, newline="") as f:
            seen = {row["name"]: row["state"] for row in csv.DictReader(f) if row["name"][:1] in "dfc"}
        want = {"%s %d" % (("done", "failed", "cancelled")[i % 3], i): ("done", "failed", "cancelled")[i % 3]
                for i in range(tasks)}
        wrong = {name: (seen.get(name), state) for name, state in want.items() if seen.get(name) != state}
        self.assertEqual(len(wrong), 0, "%d tasks not in their final state, e.g. %s; %s"
                         % (len(wrong), list(wrong.items())[:3], out.decode()))
        self.assertRegex(out, rb"the program has ended \(fell behind and was resynced \d+ times?\)")


if __name__ == "__main__":
    unittest.main()
