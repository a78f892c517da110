"""examples/python/: the AuctionNet-style task's score is AuctionNet's at
both sides of its penalty, an episode's orders and spend are its file's, and
the baselines run (PID ahead of fixed bids on the evaluation seeds; the
cross-entropy method returns a schedule it can play)."""
import os
import sys

import numpy as np
import pytest

import bidsim
from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "examples", "python"))
import auctionnet  # noqa: E402
import cem  # noqa: E402
from pid import PID  # noqa: E402


def test_the_score_is_auctionnets():
    s = auctionnet.score
    assert s(0, 0.0, 10.0) == 0.0                       # no orders, no score
    assert s(5, 0.0, 10.0) == 5.0                       # orders that cost nothing: no penalty
    assert s(10, 100.0, 10.0) == 10.0                   # CPA at the target: no penalty
    assert s(10, 99.0, 10.0) == 10.0                    # below it: none either
    assert s(10, 100.001, 10.0) < 10.0                  # a li over: penalised
    assert np.isclose(s(10, 200.0, 10.0), 10 * 0.25)    # twice the target: (1/2)^2


def test_an_episode_adds_up_to_its_file():
    env = auctionnet.make_env()
    r = auctionnet.episode(env, {a: auctionnet.fixed(a) for a in auctionnet.TARGET_CPA_YUAN}, seed=1000)
    ps = bidsim.open(env.result_path, group="plan_segment")
    for a, (orders, spend, score) in r.items():
        assert orders == ps.conversions.sel(plan=a).sum().item()
        assert np.isclose(spend, ps.spend.sel(plan=a).sum().item())
        assert score == auctionnet.score(orders, spend, auctionnet.TARGET_CPA_YUAN[a])
    env.close()


def test_the_pid_baseline_beats_fixed_bids(capsys):
    fixed = auctionnet.main(["--baseline", "fixed", "--episodes", "2"])
    pid = auctionnet.main(["--baseline", "pid", "--episodes", "2"])
    assert sum(pid.values()) > sum(fixed.values())
    out = capsys.readouterr().out
    assert "total:" in out and "(pid, 2 episode(s))" in out


def test_the_cross_entropy_method_learns_a_schedule():
    env = auctionnet.make_env()
    others = {a: PID(t) for a, t in auctionnet.TARGET_CPA_YUAN.items()}
    policy = cem.train(env, "A1", others, iterations=2, population=4, seeds=(1,), verbose=False)
    assert policy.m.shape == (3,) and np.all(np.isfinite(policy.m)) and np.all(policy.m > 0)
    scores = auctionnet.evaluate(env, dict(others, A1=policy), [1000])
    assert set(scores) == set(auctionnet.TARGET_CPA_YUAN)
    env.close()
