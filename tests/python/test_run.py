"""Scenario.run writes the file `bidsim run` writes, byte for byte, with the
same options; overrides are checked as the command checks them; Ctrl-C
stops a run through the job's stop flag and leaves no file."""
import filecmp
import os
import signal
import subprocess
import sys
import textwrap

import pytest

import bidsim
from conftest import BUILD, ROOT, scenario


def same_bytes(a, b):
    return filecmp.cmp(a, b, shallow=False)


@pytest.mark.parametrize("opts", [
    dict(),
    dict(replicates=3, seed=11, threads=2),
    dict(days=2, replicates=1, threads=1),
])
def test_module_run_writes_the_commands_file(tmp_path, bidsim_cmd, opts):
    path = scenario("shop.yaml")
    flags = []
    for k, flag in (("replicates", "-r"), ("seed", "-s"), ("days", "-d"), ("threads", "-t")):
        if k in opts:
            flags += [flag, opts[k]]
    cli, mod = tmp_path / "cli.h5", tmp_path / "mod.h5"
    bidsim_cmd("run", path, "-o", cli, "--quiet", *flags)
    summary = bidsim.load(path).run(str(mod), **opts)
    assert same_bytes(cli, mod)
    assert summary["path"] == str(mod)
    assert summary["units"] == opts.get("replicates", 2)
    assert summary["impressions"] > 0
    assert not os.path.exists(str(mod) + ".units")   # the unit store is gone once the file is complete


def test_a_shipped_scenario_with_variants_matches_the_command(tmp_path, bidsim_cmd):
    cli, mod = tmp_path / "cli.h5", tmp_path / "mod.h5"
    bidsim_cmd("run", "scenarios/bid_variants.yaml", "-o", cli, "--quiet", "-d", 1, "-r", 2)
    bidsim.load("scenarios/bid_variants.yaml").run(str(mod), days=1, replicates=2)
    assert same_bytes(cli, mod)


def test_load_overrides_are_the_runs(tmp_path, bidsim_cmd):
    cli, mod = tmp_path / "cli.h5", tmp_path / "mod.h5"
    bidsim_cmd("run", scenario("shop.yaml"), "-o", cli, "--quiet", "-s", 5, "-r", 1)
    sc = bidsim.load(scenario("shop.yaml"), seed=5, replicates=1)
    assert (sc.seed, sc.replicates, sc.days) == (5, 1, 1)
    sc.run(str(mod))
    assert same_bytes(cli, mod)


@pytest.mark.parametrize("kw, msg", [
    (dict(days=0), r"days must be an integer in \[1, 3660\], got 0"),
    (dict(days=3661), r"days must be an integer in \[1, 3660\]"),
    (dict(replicates=0), r"replicates must be an integer in \[1, 1000000\]"),
    (dict(seed=-1), r"seed must be an integer in \[0, 18446744073709551615\]"),
    (dict(seed=2**64), r"seed must be an integer"),
    (dict(threads=1025), r"threads must be in \[0, 1024\]"),
])
def test_overrides_outside_the_commands_ranges_are_refused(tmp_path, kw, msg):
    sc = bidsim.load(scenario("shop.yaml"))
    with pytest.raises((ValueError, OverflowError), match=msg):
        sc.run(str(tmp_path / "x.h5"), **kw)
    assert not os.listdir(tmp_path)


def test_the_largest_seed_is_the_commands(tmp_path, bidsim_cmd):
    cli, mod = tmp_path / "cli.h5", tmp_path / "mod.h5"
    bidsim_cmd("run", scenario("shop.yaml"), "-o", cli, "--quiet", "-s", 2**64 - 1, "-r", 1)
    bidsim.load(scenario("shop.yaml")).run(str(mod), seed=2**64 - 1, replicates=1)
    assert same_bytes(cli, mod)


@pytest.mark.parametrize("strategies", ["None", "{'Home': pystrats.Multiplier(), 'Rival': pystrats.Jitter()}"])
def test_ctrl_c_stops_the_run_with_no_file(tmp_path, strategies):
    """SIGINT while the run is going (with Python strategies taking the GIL
    on the worker threads, or without): the job stops (BIDSIM_EINTR), the
    KeyboardInterrupt is raised in the caller, nothing is left under the
    output name, and the run is resumable as with the command."""
    out = tmp_path / "big.h5"
    code = textwrap.dedent(f"""
        import os, signal, sys, threading, time
        sys.path.insert(0, {os.path.join(BUILD, 'python')!r})
        sys.path.insert(0, {os.path.dirname(os.path.abspath(scenario('shop.yaml')))!r})
        import bidsim, pystrats
        sc = bidsim.load({scenario('shop.yaml')!r})
        threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        t = time.monotonic()
        try:
            sc.run({str(out)!r}, days=200, replicates=2, threads=2, strategies={strategies})
            print("finished")
        except KeyboardInterrupt:
            print("interrupted after %.1f s" % (time.monotonic() - t))
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("interrupted"), p.stdout + p.stderr
    assert float(p.stdout.split()[2]) < 20   # 200 days would take minutes
    assert not out.exists()
    assert [f for f in os.listdir(tmp_path) if not f.endswith(".units")] == []


def test_scenario_properties():
    sc = bidsim.load(scenario("shop.yaml"))
    assert sc.path == scenario("shop.yaml")
    assert (sc.days, sc.replicates, sc.seed, sc.strategy_period_s) == (1, 2, 3, 60)
    assert sc.variants == ["scenario"]
    assert [p["name"] for p in sc.plans] == ["Home", "Kitchen", "Open", "Rival"]
    assert sc.plans[0]["bids"] == (1.6, 2.4, 1.9) and sc.plans[0]["cap"] == 100.0
    assert sc.plans[2]["cap"] is None
    assert "impressions_per_day: 60000" in sc.resolved_yaml
    assert sc.text == open(scenario("shop.yaml")).read()
