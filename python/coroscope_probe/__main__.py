"""`python3 -m coroscope_probe script.py [args]`: runs the script with its asyncio
tasks published for Coroscope (docs/spec/probe-protocol.md)."""
import os
import runpy
import sys

from . import install

USAGE = "usage: python3 -m coroscope_probe script.py [args...] | -m module [args...]"


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not args else sys.stdout)
        return 2 if not args else 0
    if args[0] == "-m":
        if len(args) < 2:
            print(USAGE, file=sys.stderr)
            return 2
        sys.argv = args[1:]
        install()
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        return 0
    script = args[0]
    sys.argv = args
    # As `python3 script.py` would: the script's folder first on the path.
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    install()
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
