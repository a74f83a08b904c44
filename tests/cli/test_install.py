"""`cmake --install` puts the app where desktops find it (a desktop entry and its icon),
the Python probe where Python finds it, and the runtime where CMake finds it."""
import configparser
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BUILD = os.environ.get("COROSCOPE_BUILD_DIR")
CMAKE = os.environ.get("COROSCOPE_CMAKE", "cmake")
SOURCE = os.environ.get("COROSCOPE_SOURCE")


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
        # docs/spec/runtime-package.md. Fixed folders in the build tree, emptied first,
        # so that a compiler cache recognises the example's build from one run to the next.
        work = os.path.join(BUILD, "runtime-package-test")
        shutil.rmtree(work, ignore_errors=True)
        prefix, example_build = os.path.join(work, "prefix"), os.path.join(work, "example")
        done = subprocess.run([CMAKE, "--install", BUILD, "--prefix", prefix],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertTrue(os.path.isfile(os.path.join(prefix, "include", "coroscope", "runtime", "runtime.h")))

        configure = [CMAKE, "-S", os.path.join(SOURCE, "examples", "runtime-timer-and-http"),
                     "-B", example_build, "-DCMAKE_PREFIX_PATH=" + prefix]
        if shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        if shutil.which("ccache"):
            configure += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]
        done = subprocess.run(configure, capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        done = subprocess.run([CMAKE, "--build", example_build, "-j2"],
                              capture_output=True, text=True, timeout=300)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

        run = subprocess.run([os.path.join(example_build, "runtime-timer-and-http")],
                             capture_output=True, text=True, timeout=60)
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


if __name__ == "__main__":
    unittest.main()
