"""`cmake --install` puts the app where desktops find it (a desktop entry and its icon),
the Python probe where Python finds it, and the runtime where CMake finds it; a program
built against the installed runtime can be watched (docs/spec/probe-protocol.md)."""
import configparser
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from test_attach import read_line, send_and_read_until_closed

BUILD = os.environ.get("COROSCOPE_BUILD_DIR")
CMAKE = os.environ.get("COROSCOPE_CMAKE", "cmake")
SOURCE = os.environ.get("COROSCOPE_SOURCE")
COROSCOPE = os.environ.get("COROSCOPE", "build/dev/app/coroscope")
DEADLINE = 60  # seconds: a hang fails the test instead of hanging the suite
_example = []


def installed_example(test):
    """The example built against the runtime installed from BUILD, built once a run.
    Fixed folders in the build tree, emptied first, so that a compiler cache
    recognises the example's build from one run to the next."""
    if _example:
        return _example[0]
    work = os.path.join(BUILD, "runtime-package-test")
    shutil.rmtree(work, ignore_errors=True)
    prefix, example_build = os.path.join(work, "prefix"), os.path.join(work, "example")
    done = subprocess.run([CMAKE, "--install", BUILD, "--prefix", prefix],
                          capture_output=True, text=True, timeout=120)
    test.assertEqual(done.returncode, 0, done.stderr)
    test.assertTrue(os.path.isfile(os.path.join(prefix, "include", "coroscope", "runtime", "runtime.h")))

    configure = [CMAKE, "-S", os.path.join(SOURCE, "examples", "runtime-timer-and-http"),
                 "-B", example_build, "-DCMAKE_PREFIX_PATH=" + prefix]
    if shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    if shutil.which("ccache"):
        configure += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]
    done = subprocess.run(configure, capture_output=True, text=True, timeout=120)
    test.assertEqual(done.returncode, 0, done.stdout + done.stderr)
    done = subprocess.run([CMAKE, "--build", example_build, "-j2"],
                          capture_output=True, text=True, timeout=300)
    test.assertEqual(done.returncode, 0, done.stdout + done.stderr)
    _example.append(os.path.join(example_build, "runtime-timer-and-http"))
    return _example[0]


@unittest.skipUnless(BUILD, "COROSCOPE_BUILD_DIR not set (run through ctest)")
class InstallTest(unittest.TestCase):
    def test_install_puts_a_desktop_entry_and_its_icon_beside_the_program(self):
        with tempfile.TemporaryDirectory() as prefix:
            done = subprocess.run([CMAKE, "--install", BUILD, "--prefix", prefix],
                                  capture_output=True, text=True, timeout=120)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertTrue(os.access(os.path.join(prefix, "bin", "coroscope"), os.X_OK))
            entry_path = os.path.join(prefix, "share", "applications", "coroscope.desktop")
            icon_path = os.path.join(prefix, "share", "icons", "hicolor", "scalable", "apps", "coroscope.svg")
            self.assertTrue(os.path.isfile(entry_path), "no desktop entry installed")
            self.assertTrue(os.path.isfile(icon_path), "no icon installed")
            entry = configparser.ConfigParser(interpolation=None)
            entry.optionxform = str
            entry.read(entry_path)
            section = entry["Desktop Entry"]
            self.assertEqual(section["Type"], "Application")
            self.assertEqual(section["Exec"].split()[0], "coroscope")
            self.assertEqual(section["Icon"], "coroscope")  # names the installed icon
            with open(icon_path, encoding="utf-8") as icon:
                self.assertIn("<svg", icon.read())

    def test_install_puts_the_python_probe_where_python_can_run_it(self):
        with tempfile.TemporaryDirectory() as prefix:
            done = subprocess.run([CMAKE, "--install", BUILD, "--prefix", prefix],
                                  capture_output=True, text=True, timeout=120)
            self.assertEqual(done.returncode, 0, done.stderr)
            env = dict(os.environ, PYTHONPATH=os.path.join(prefix, "share", "coroscope", "python"))
            probe = subprocess.run([sys.executable, "-m", "coroscope_probe", "--help"],
                                   capture_output=True, text=True, timeout=60, env=env, cwd=prefix)
            self.assertEqual(probe.returncode, 0, probe.stderr)
            self.assertIn("python3 -m coroscope_probe script.py", probe.stdout)

    def test_another_project_builds_against_the_installed_runtime_and_runs(self):
        # docs/spec/runtime-package.md.
        example = installed_example(self)
        env = dict(os.environ)
        env.pop("COROSCOPE_PROBE", None)
        run = subprocess.run([example], capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertEqual(run.stdout.splitlines(), [
            "gathered 1 2 3",
            "a 10 s task timed out after 20 ms",
            "the timer fired",
            "GET /hello -> hello",
            "demo ended done",
        ])

    def test_the_installed_runtime_carries_none_of_this_trees_build_options(self):
        with tempfile.TemporaryDirectory() as prefix:
            done = subprocess.run([CMAKE, "--install", BUILD, "--prefix", prefix],
                                  capture_output=True, text=True, timeout=120)
            self.assertEqual(done.returncode, 0, done.stderr)
            targets = glob.glob(os.path.join(prefix, "lib*", "cmake", "Coroscope", "CoroscopeTargets*.cmake"))
            self.assertTrue(targets, "no CoroscopeTargets.cmake installed")
            exported = ""
            for path in targets:
                with open(path, encoding="utf-8") as text:
                    exported += text.read()
            self.assertIn("Coroscope::runtime", exported)
            for option in ("coroscope_options", "QT_NO_CAST_FROM_ASCII", "-Wshadow", "-fsanitize"):
                self.assertNotIn(option, exported)



@unittest.skipUnless(BUILD, "COROSCOPE_BUILD_DIR not set (run through ctest)")
class WatchedExampleTest(unittest.TestCase):
    """The installed example, run with COROSCOPE_PROBE=1, attached to by `coroscope attach`
    (docs/spec/probe-protocol.md, "The C++ probe")."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        # The monitor is not watched itself (it would not be anyway: it disables the probe).
        self.env = dict(os.environ, XDG_RUNTIME_DIR=self.tmp.name)
        self.env.pop("COROSCOPE_PROBE", None)
        example = installed_example(self)
        self.program = subprocess.Popen([example], stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
                                        env=dict(self.env, COROSCOPE_PROBE="1"))
        self.addCleanup(self.end_program)
        self.addCleanup(self.program.stdout.close)
        self.addCleanup(self.program.stderr.close)
        lines = [read_line(self.program.stdout) for _ in range(5)]
        self.assertEqual(lines[-1], "ready to be watched\n", lines)

    def end_program(self):
        if self.program.poll() is None:
            self.program.kill()
            self.program.wait(timeout=DEADLINE)

    def path(self, *names):
        return os.path.join(self.tmp.name, *names)

    def record(self, name):
        log = self.path(name)
        r = subprocess.run([COROSCOPE, "attach", str(self.program.pid), "--seconds", "0.2", "--export", log],
                           capture_output=True, text=True, env=self.env, timeout=DEADLINE)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(log) as f:
            return json.load(f)

    def attach_until_attached(self, *args):
        monitor = subprocess.Popen([COROSCOPE, "attach", str(self.program.pid), *args], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, bufsize=0, env=self.env)
        self.addCleanup(lambda: monitor.poll() is None and (monitor.kill(), monitor.wait(timeout=DEADLINE)))
        self.addCleanup(monitor.stdout.close)
        self.addCleanup(monitor.stderr.close)
        line = read_line(monitor.stdout)
        if not line.startswith("attached to runtime-timer-and-http"):
            monitor.kill()
            self.fail(line + monitor.stderr.read().decode())
        return monitor

    def test_its_tasks_appear_with_their_states(self):
        log = self.record("run.json")
        self.assertEqual(log["set"], "runtime-timer-and-http")
        tasks = {t["name"]: t for t in log["tasks"]}
        self.assertEqual(tasks["sleeper"]["state"], "running")
        self.assertEqual(tasks["watchable"]["state"], "running")
        self.assertEqual(tasks["finisher"]["state"], "done")
        self.assertEqual(tasks["failer"]["state"], "failed")
        self.assertEqual(tasks["failer"]["error"], "boom")
        self.assertEqual(tasks["sleeper"]["parent"], tasks["watchable"]["id"])
        suspended = [e for e in log["events"] if e["task"] == tasks["sleeper"]["id"] and e["type"] == "suspended"]
        self.assertEqual(suspended[-1]["await"], "sleep 3600s")
        # The demo (unnamed: Coroscope calls it task#1) and its earlier children: the
        # three gathered and the HTTP get done, the one too slow for its deadline cancelled.
        demo = tasks["task#1"]
        self.assertEqual(demo["state"], "running")
        self.assertEqual(tasks["watchable"]["parent"], demo["id"])
        children = [t for t in log["tasks"] if t["parent"] == demo["id"] and t["name"] != "watchable"]
        self.assertEqual(sorted(t["state"] for t in children), ["cancelled"] + ["done"] * 4)
        self.assertEqual([t["cancel_reason"] for t in children if t["state"] == "cancelled"], ["timeout"])

    def test_a_cancel_ends_the_chosen_task_with_CancelledError_and_a_callback_fires_in_the_program(self):
        log = self.path("cancel.json")
        monitor = self.attach_until_attached("--cancel", "sleeper", "--callback", "sleeper=goodbye from coroscope",
                                             "--export", log)
        answers = {read_line(monitor.stdout), read_line(monitor.stdout)}
        self.assertEqual(answers, {"added a log callback to sleeper\n", "cancelled sleeper\n"})
        out, err = self.program.communicate(timeout=DEADLINE)
        self.assertEqual(self.program.returncode, 0, err)
        self.assertIn(b"sleeper got CancelledError", err)
        self.assertIn(b"coroscope: task sleeper: goodbye from coroscope", err)
        self.assertEqual(out.decode().splitlines(), ["the sleeper was cancelled", "demo ended done"])
        # The monitor saw the program end, and wrote what it saw.
        self.assertEqual(monitor.wait(timeout=DEADLINE), 0)
        with open(log) as f:
            sleeper = next(t for t in json.load(f)["tasks"] if t["name"] == "sleeper")
        self.assertEqual(sleeper["state"], "cancelled")
        self.assertEqual(sleeper["cancel_reason"], "user")
        self.assertEqual(sleeper["callbacks"][0]["message"], "goodbye from coroscope")
        self.assertIsNotNone(sleeper["callbacks"][0]["fired_ms"])
        self.assertEqual(os.listdir(self.path("coroscope")), [], "the probe removes its socket at exit")

    def test_it_survives_a_detach_a_killed_monitor_and_garbage(self):
        endpoint = self.path("coroscope", "%d.sock" % self.program.pid)
        self.record("first.json")  # a detach
        monitor = self.attach_until_attached()
        monitor.kill()
        monitor.wait(timeout=DEADLINE)
        for garbage in (b"\xff\xfe not json\n",
                        b'{"type":"attach","protocol":"coroscope.probe/1"}\n[1, 2]\n',
                        b'{"type":"attach","protocol":"coroscope.probe/1"}\n{"type":"cancel","task":"x"}\n',
                        b'{"type":"attach","protocol":"coroscope.probe/2"}\n',
                        b"x" * (1 << 20) + b"\n"):
            frames = send_and_read_until_closed(endpoint, garbage)
            last = json.loads(frames.splitlines()[-1])
            self.assertEqual(last["type"], "error", frames[-300:])
        tasks = {t["name"]: t for t in self.record("after.json")["tasks"]}
        self.assertEqual(tasks["sleeper"]["state"], "running")
        self.assertIsNone(self.program.poll(), "the program runs on")


if __name__ == "__main__":
    unittest.main()
