"""examples/python/cem.py - a learned baseline of the AuctionNet-style task
(auctionnet.py): the cross-entropy method over one agent's schedule of bid
multipliers, 8 blocks of 6 periods in log space, trained against the other
agents' policies on episodes of their own seeds; numpy only. Each
iteration draws candidates around the current mean, scores each by its
mean episode score, and refits the mean and spread to the best quarter."""
import numpy as np


class Schedule:
    """A multiplier per block of the day, read from the observation's time left."""

    def __init__(self, log_m):
        self.m = np.exp(np.asarray(log_m, dtype=float))

    def __call__(self, obs):
        block = int((1.0 - obs["time_left"]) * len(self.m))
        return float(self.m[min(block, len(self.m) - 1)])


def train(env, agent, others, iterations=6, population=12, blocks=8, seeds=(1, 2), rng=0, verbose=True):
    from auctionnet import episode
    rng = np.random.default_rng(rng)
    mean, sd = np.zeros(blocks), np.full(blocks, 0.5)
    elite = max(2, population // 4)
    for it in range(iterations):
        cand = rng.normal(mean, sd, (population, blocks))
        scores = np.array([np.mean([episode(env, dict(others, **{agent: Schedule(c)}), s)[agent][2] for s in seeds])
                           for c in cand])
        best = cand[np.argsort(scores)[-elite:]]
        mean, sd = best.mean(axis=0), best.std(axis=0) + 0.05
        if verbose:
            print(f"cem iteration {it}: best {scores.max():.2f}, mean {scores.mean():.2f}")
    return Schedule(mean)
