"""`cmake --install` puts the app where desktops find it (a desktop entry and its icon),
and the Python probe where Python finds it."""
import configparser
import os
import subprocess
import sys
import tempfile
import unittest

BUILD = os.environ.get("COROSCOPE_BUILD_DIR")
CMAKE = os.environ.get("COROSCOPE_CMAKE", "cmake")


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


if __name__ == "__main__":
    unittest.main()
