#!/usr/bin/python3
"""bench/python_strategy.py - what Python costs in a run (BENCHMARKS.md,
"Python"): the bench market (bench/e2e_10k.yaml: one day, 10 million
impressions, 10,000 competitor plans) with fixed bids, with every plan
paced by the built-in multiplier every simulated minute, and with every
plan run by a Python strategy through numpy every minute (the multiplier's
numpy copy, and a time-of-day factor: the bridge's floor); then an
environment's episode of one day in 48 steps against `run` of the same
scenario with one listed plan (the agent) at the same bids.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_strategy.py [--rounds N] [--impressions M]
                                                                   [--relation global|per_shop]
    .../python_strategy.py --case NAME --once     (one case, for valgrind --tool=callgrind)

Cases alternate within each round, so each ratio compares cases measured
side by side on a shared machine; medians over the rounds at the end.
Times are the runs' own (building the world to the renamed file), one
worker thread."""
import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)   # the scenarios below name this module's strategies
import bidsim  # noqa: E402


class NumpyMultiplier:
    """engine/strategy.c's multiplier pacing over the whole batch, in numpy,
    the way numpy is fast: most plans in most periods spent nothing and are
    at rest (mu = 0), and those bid their value untouched, so the
    controller's arithmetic runs on the few others (as the built-in skips
    it). Bids equal the built-in's (tests/python: the plain version)."""

    def __init__(self, eps=0.05, mu_max=20):
        self.eps, self.mu_max, self.day = eps, mu_max, -1

    def begin(self, names):
        self.mu = np.zeros(len(names))
        self.last_spend = np.zeros(len(names), dtype=np.int64)
        self.last_done = 0.0
        self.limited = None

    def update(self, st):
        if st.day != self.day:
            self.day, self.last_done = st.day, 0.0
            self.last_spend[:] = 0
        cap, spend, done = st.cap_li, st.spend_today_li, st.traffic_done
        if self.limited is None:   # a unit's caps do not change
            self.limited = cap != bidsim.CAP_UNLIMITED
        spent = spend - self.last_spend
        act = np.flatnonzero(((self.mu > 0) | (spent != 0)) & self.limited)
        share, left = max(done - self.last_done, 1e-6), max(1.0 - self.last_done, 1e-6)
        self.last_done, self.last_spend = done, spend   # state arrays are fresh copies: kept as they are
        if act.size == 0:
            return st.value_bid_li
        sp = spent[act]
        mu = self.mu[act] - self.eps
        budget_left = (cap[act] - (spend[act] - sp)).astype(np.float64)
        budget_left[budget_left <= 0] = 1.0
        moved = sp != 0
        mu[moved] += self.eps * sp[moved] * left / (budget_left[moved] * share)
        self.mu[act] = mu = np.clip(mu, 0.0, self.mu_max)
        value = st.value_bid_li
        bids = value.copy()
        scaled = mu != 0
        rows = act[scaled]
        bids[rows] = (value[rows] * (1.0 / (1.0 + mu[scaled]))[:, None] + 0.5).astype(np.int64)
        return bids


class SparseMultiplier:
    """The same controller for the plans a period moves only: the plans
    clicked since the last update (from on_clicks: a click's price is the
    plan's spend) and those not at rest, returned as bidsim.Changes. The
    other plans keep their bids, which are their values. Its per-period
    cost follows the clicks, not the 10,000 plans; bids equal the
    built-in's."""

    def __init__(self, eps=0.05, mu_max=20):
        self.eps, self.mu_max, self.day = eps, mu_max, -1

    def begin(self, names):
        n = len(names)
        self.mu, self.spend = np.zeros(n), np.zeros(n, dtype=np.int64)
        self.busy = np.zeros(0, dtype=np.int64)   # plans with mu > 0
        self.clicks, self.last_done, self.cap = [], 0.0, None

    def on_clicks(self, c):
        self.clicks.append((c.i, c.price_li))

    def update(self, st):
        if self.cap is None:   # a unit's caps do not change
            self.cap = st.cap_li
            self.limited = self.cap != bidsim.CAP_UNLIMITED
        if st.day != self.day:   # the clicks before a day's first update are the last day's
            self.day, self.last_done, self.clicks = st.day, 0.0, []
            self.spend[:] = 0
        moved, spent = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if self.clicks:
            i = np.concatenate([c[0] for c in self.clicks])
            price = np.concatenate([c[1] for c in self.clicks])
            self.clicks = []
            moved, at = np.unique(i, return_inverse=True)
            spent = np.bincount(at, weights=price).astype(np.int64)
            keep = self.limited[moved]
            moved, spent = moved[keep], spent[keep]
        act = np.union1d(self.busy, moved)
        share, left = max(st.traffic_done - self.last_done, 1e-6), max(1.0 - self.last_done, 1e-6)
        self.last_done = st.traffic_done
        if act.size == 0:
            return None
        sp = np.zeros(act.size, dtype=np.int64)
        sp[np.searchsorted(act, moved)] = spent
        budget_left = (self.cap[act] - self.spend[act]).astype(np.float64)
        budget_left[budget_left <= 0] = 1.0
        mu = self.mu[act] - self.eps
        hit = sp != 0
        mu[hit] += self.eps * sp[hit] * left / (budget_left[hit] * share)
        self.mu[act] = mu = np.clip(mu, 0.0, self.mu_max)
        self.spend[moved] += spent
        self.busy = act[mu > 0]
        value = st.value_bid_li[act]
        bids = np.where((mu == 0)[:, None], value, (value * (1.0 / (1.0 + mu))[:, None] + 0.5).astype(np.int64))
        return bidsim.Changes(act, bids)


class TimeOfDay:
    """A factor per hour on every plan's bids: the bridge's cost with a
    minimal numpy body. Its bids are whole fen, as the platform takes them,
    so within an hour they equal the bids in force and the host's clamp
    has nothing to do (as with the built-ins at rest)."""
    FACTOR = np.array([0.8] * 7 + [1.0] * 12 + [1.2] * 5)

    def update(self, st):
        li = st.value_bid_li * self.FACTOR[st.second_of_day // 3600]
        return (np.floor(li / 10 + 0.5) * 10).astype(np.int64)


AGENT = """shops:
  - name: Agent shop
    products: [{id: 1, sales: 1000, category: c00, ctr: 0.04, cvr: 0.02}]
plans:
  - {name: Agent, shop: Agent shop, cap: 500, products: [1], bids: {ordinary: 1.20, shop: 2.00, similar: 1.50}}
"""


def scenarios(tmp, impressions, relation=None):
    base = open(os.path.join(HERE, "e2e_10k.yaml")).read()
    base = base.replace("impressions_per_day: 10000000", f"impressions_per_day: {impressions}")
    if relation:   # the user model: per_shop (personalised, the default) or global (the first model)
        base = base.replace("auction: {slots: 4}", f"auction: {{slots: 4}}\nusers: {{relation: {relation}}}")
    texts = {
        "fixed": base,
        "c-multiplier": base + "  strategies: [{share: 1.0, strategy: {kind: multiplier}}]\n",
        "py-multiplier": base + '  strategies: [{share: 1.0, strategy: {python: "python_strategy:SparseMultiplier"}}]\n',
        "py-multiplier-dense":
            base + '  strategies: [{share: 1.0, strategy: {python: "python_strategy:NumpyMultiplier"}}]\n',
        "py-time-of-day": base + '  strategies: [{share: 1.0, strategy: {python: "python_strategy:TimeOfDay"}}]\n',
        "agent": base + AGENT,
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = os.path.join(tmp, name + ".yaml")
        with open(paths[name], "w") as f:
            f.write(text)
    return paths


def run_case(case, paths, tmp):
    """The case's own time, seconds."""
    out = os.path.join(tmp, case + ".h5")
    if case in ("fixed", "c-multiplier", "py-multiplier", "py-multiplier-dense", "py-time-of-day"):
        return bidsim.load(paths[case]).run(out, threads=1)["seconds"]
    if case == "run-agent":
        return bidsim.load(paths["agent"]).run(out, threads=1)["seconds"]
    if case == "env-agent":   # 48 steps at the configured bids: the run-agent simulation
        env = bidsim.Env(paths["agent"], agent="Agent", period_s=1800, out=out)
        t = time.perf_counter()
        env.reset(seed=1)
        steps = 0
        while True:
            steps += 1
            if env.step(1.0)[2]:
                break
        t = time.perf_counter() - t
        env.close()
        assert steps == 48
        return t
    raise SystemExit(f"unknown case {case}")


CASES = ["fixed", "c-multiplier", "py-multiplier", "py-multiplier-dense", "py-time-of-day", "run-agent", "env-agent"]
RATIOS = [("c-multiplier", "fixed"), ("py-multiplier", "fixed"), ("py-multiplier-dense", "fixed"),
          ("py-time-of-day", "fixed"), ("py-multiplier", "c-multiplier"), ("env-agent", "run-agent")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--impressions", type=int, default=10_000_000)
    ap.add_argument("--relation", choices=["per_shop", "global"],
                    help="users.relation of the market (default: the scenario's, the personalised model)")
    ap.add_argument("--case", choices=CASES)
    ap.add_argument("--once", action="store_true", help="run --case once and print its time")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bidsim-pybench-") as tmp:
        paths = scenarios(tmp, args.impressions, args.relation)
        if args.once:
            print(f"{args.case} {run_case(args.case, paths, tmp):.3f} s")
            return
        rows = {c: [] for c in CASES}
        for r in range(args.rounds):
            for c in ([args.case] if args.case else CASES):
                rows[c].append(run_case(c, paths, tmp))
                print(f"{r + 1} {c} {rows[c][-1]:.3f} s", flush=True)
    print(f"\nmedians over {args.rounds} round(s), seconds for one day of {args.impressions:,} impressions:")
    for c, v in rows.items():
        if v:
            print(f"  {c:16s} {statistics.median(v):7.3f}   ({' / '.join(f'{x:.2f}' for x in v)})")
    print("ratios within each round (median; every round):")
    for a, b in RATIOS:
        if rows[a] and rows[b]:
            xs = [x / y for x, y in zip(rows[a], rows[b])]
            print(f"  {a + ' / ' + b:32s} {statistics.median(xs):5.2f}   ({' / '.join(f'{x:.2f}' for x in xs)})")


if __name__ == "__main__":
    main()
