"""tests/tools/checks.py - the bookkeeping the Python checkers share: record
each failed check, and at the end print them all and exit 1 (or say all
passed). The checkers import it with tests/tools on sys.path."""
import sys

_failures = []


def check(cond, what):
    """Record `what` as a failure unless `cond` holds; checking goes on."""
    if not cond:
        _failures.append(what)


def finish(name):
    """Report the failures (exit 1) or that every check passed."""
    if _failures:
        print(f"{name}: {len(_failures)} check(s) failed:")
        for what in _failures:
            print("  " + what)
        sys.exit(1)
    print(f"{name}: all checks passed")
