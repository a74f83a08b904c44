#!/usr/bin/env python3
"""Every QML module the dashboard loads at run time comes from a Debian package that
scripts/install-deps.sh installs.

A module missing on a fresh machine is found only when QML first imports it: Qt's
file dialogs import Qt.labs.folderlistmodel when one opens, and the app crashed there.
This runs, with QML_IMPORT_TRACE=1 on the offscreen platform, the app itself with a
set for a few seconds and the dashboard test that opens every file dialog of the real
window; collects the directory of every qmldir loaded from the file system; asks
dpkg -S which package owns each; and fails if one is not in the script's list, or if
QML said a module is not installed.

usage: check_qml_packages.py INSTALL_DEPS_SH APP DIALOGS_TEST_BINARY DIALOGS_TEST_NAME
"""

import os
import re
import subprocess
import sys

QMLDIR = re.compile(r'"(/[^"]+)/qmldir"')
NOT_INSTALLED = re.compile(r'module "([^"]+)" is not installed')


def listed_packages(script):
    """The words of the `packages=( ... )` array of install-deps.sh."""
    text = open(script, encoding="utf-8").read()
    block = re.search(r"^packages=\((.*?)^\)", text, re.S | re.M)
    if not block:
        sys.exit(f"{script}: no packages=( ... ) list")
    words = []
    for line in block.group(1).splitlines():
        words += line.split("#", 1)[0].split()
    return set(words)


def traced(command, timeout):
    """The stderr of `command` run with the QML import trace, and its exit code."""
    env = dict(os.environ, QML_IMPORT_TRACE="1", QT_QPA_PLATFORM="offscreen")
    try:
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, text=True, errors="replace")
        return done.stdout, done.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return out, None


def owner(path):
    """The Debian package that installed `path`, or None."""
    done = subprocess.run(["dpkg", "-S", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if done.returncode != 0:
        return None
    return done.stdout.split(":", 1)[0].strip()


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    script, app, dialogs_test, dialogs_case = sys.argv[1:]
    listed = listed_packages(script)
    failures = []

    runs = [
        # The app as a person starts it, with a set running; it never quits on its own.
        ([app, "gui", "gather-basics"], 6, (None,)),
        # The real window with every file dialog opened and used (and the Attach dialog:
        # DIALOGS_TEST_NAME may list more test specs, comma-separated).
        ([dialogs_test, dialogs_case], 240, (0,)),
    ]
    modules = {}
    for command, timeout, expected in runs:
        output, code = traced(command, timeout)
        if code not in expected:
            failures.append(f"{' '.join(command)} ended with {code}, expected {expected}:\n{output[-3000:]}")
        for name in NOT_INSTALLED.findall(output):
            failures.append(f"{' '.join(command)}: QML module {name} is not installed")
        for directory in QMLDIR.findall(output):
            modules.setdefault(os.path.realpath(directory), command[0])

    build_dir = os.path.realpath(os.path.dirname(dialogs_test))
    build_root = os.path.dirname(os.path.dirname(build_dir))
    if not any(d.startswith("/usr/") for d in modules):
        failures.append("the trace named no QML module of the system: is QML_IMPORT_TRACE working?")
    for directory in sorted(modules):
        if directory.startswith(build_root + os.sep):
            continue  # the project's own modules, built here
        package = owner(os.path.join(directory, "qmldir"))
        if package is None:
            failures.append(f"{directory}: no Debian package owns it")
        elif package not in listed:
            failures.append(f"{directory}: package {package} is not in {script}")
        else:
            print(f"ok  {package:45} {directory}")

    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
