"""Shared set-up of the Python tests (run by ctest: tests/CMakeLists.txt):
the build's bidsim command and package (PYTHONPATH=BUILD/python), the
repository as the working directory, and the tests' scenarios."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "tests", "python")
SCENARIOS = os.path.join(HERE, "scenarios")
BUILD = os.path.abspath(os.environ.get("BIDSIM_BUILD_DIR", os.path.join(ROOT, "build")))
sys.path.insert(0, os.path.join(BUILD, "python"))
sys.path.insert(0, SCENARIOS)   # pystrats, as the scenarios import it


@pytest.fixture
def bidsim_cmd():
    """Run the bidsim command; returns the CompletedProcess."""
    exe = os.path.join(BUILD, "bidsim")

    def run(*args, check=True):
        p = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, cwd=ROOT)
        if check and p.returncode != 0:
            raise AssertionError(f"bidsim {' '.join(map(str, args))}: exit {p.returncode}\n{p.stderr}")
        return p
    return run


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    """Paths relative to the repository, as the command is run by the tests."""
    monkeypatch.chdir(ROOT)


def scenario(name):
    return os.path.relpath(os.path.join(SCENARIOS, name), ROOT)
