"""examples/python/auctionnet.py - an AuctionNet-style task on bidsim
(Su et al., NeurIPS 2024 Datasets and Benchmarks): a day in 48 periods of
30 minutes, each agent an advertiser with a budget (its plan's daily cap)
and a target cost per order; every period it sets a bid multiplier on its
plan's bids, the reward is its conversions, and an episode scores
orders x min(1, (target CPA / CPA)^2), AuctionNet's CPA-penalised score
(the definition of analysis/field_metrics.h's bidsim_cpa_score: 0 without
orders, no penalty when they cost nothing). The four agents bid in the same
auctions, two to a category, among the generated market.

    /usr/bin/python3 examples/python/auctionnet.py [--baseline fixed|pid|cem] [--episodes N]

(with PYTHONPATH pointing at the build's or the installed package: README.md).
"""
import argparse
import os
import sys

import numpy as np

import bidsim

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "auctionnet.yaml")
TARGET_CPA_YUAN = {"A1": 10.0, "A2": 9.0, "A3": 11.0, "A4": 8.0}
PERIOD_S = 1800   # 48 periods a day


def score(orders, spend_yuan, target_cpa_yuan):
    """AuctionNet's score of one agent's episode: orders x min(1, (target / CPA)^2)."""
    if orders <= 0:
        return 0.0
    cpa = spend_yuan / orders
    return float(orders) if cpa <= 0 else orders * min(1.0, (target_cpa_yuan / cpa) ** 2)


def make_env(**kw):
    return bidsim.ParallelEnv(SCENARIO, agents=list(TARGET_CPA_YUAN), period_s=PERIOD_S, **kw)


def episode(env, policies, seed):
    """One day; policies[agent](obs) -> multiplier, with .reset() if it has one.
    Returns {agent: (orders, spend_yuan, score)}."""
    obs, _ = env.reset(seed=seed)
    for p in policies.values():
        getattr(p, "reset", lambda: None)()
    total = {a: [0, 0.0] for a in env.possible_agents}
    while env.agents:
        obs, rewards, _, _, infos = env.step({a: policies[a](obs[a]) for a in env.agents})
        for a, info in infos.items():
            total[a][0] += rewards[a]   # the reward: the period's conversions
            total[a][1] += info["spend_yuan"]
    return {a: (o, s, score(o, s, TARGET_CPA_YUAN[a])) for a, (o, s) in total.items()}


def evaluate(env, policies, seeds):
    """The mean score of each agent over the seeds' episodes."""
    runs = [episode(env, policies, s) for s in seeds]
    return {a: float(np.mean([r[a][2] for r in runs])) for a in env.possible_agents}


def fixed(agent):
    return lambda obs: 1.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", choices=["fixed", "pid", "cem"], default="pid")
    ap.add_argument("--episodes", type=int, default=4, help="evaluation episodes (seeds 1000, 1001, ...)")
    ap.add_argument("--iterations", type=int, default=5, help="cem: training iterations")
    ap.add_argument("--population", type=int, default=10, help="cem: candidates per iteration")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    from pid import PID
    env = make_env()
    pid = {a: PID(TARGET_CPA_YUAN[a]) for a in TARGET_CPA_YUAN}
    if args.baseline == "fixed":
        policies = {a: fixed(a) for a in TARGET_CPA_YUAN}
    elif args.baseline == "pid":
        policies = pid
    else:   # A1 learns a schedule against the others' PID controllers
        from cem import train
        policies = dict(pid, A1=train(env, "A1", pid, iterations=args.iterations, population=args.population))
    seeds = range(1000, 1000 + args.episodes)
    scores = evaluate(env, policies, seeds)
    for a, s in scores.items():
        print(f"{a}: score {s:.2f} (target CPA {TARGET_CPA_YUAN[a]:.2f} yuan)")
    print(f"total: {sum(scores.values()):.2f} ({args.baseline}, {args.episodes} episode(s))")
    env.close()
    return scores


if __name__ == "__main__":
    main()
