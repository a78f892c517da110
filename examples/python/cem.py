"""examples/python/cem.py - a learned baseline of the AuctionNet-style task
(auctionnet.py): the cross-entropy method over one agent's bid multiplier
through the day, m(t) = exp(a + b (t - 1/2)) with t the share of the day
gone (a level and a tilt: two numbers to learn from a handful of noisy
episodes), trained against the other agents' policies on seeds of its own;
numpy only. Each iteration draws candidates around the current mean,
scores each by its mean episode score, and refits the mean and spread to
the best quarter."""
import numpy as np


class Schedule:
    """The multiplier exp(a + b (t - 1/2)), t read from the observation's time left."""

    def __init__(self, params):
        self.a, self.b = (float(x) for x in params)

    def __call__(self, obs):
        return float(np.exp(self.a + self.b * (0.5 - obs["time_left"])))

    @property
    def m(self):
        """The multiplier at the start, middle and end of the day."""
        return np.exp(self.a + self.b * np.array([-0.5, 0.0, 0.5]))


def train(env, agent, others, iterations=5, population=10, seeds=(1, 2), rng=0, verbose=True):
    from auctionnet import episode
    rng = np.random.default_rng(rng)
    mean, sd = np.zeros(2), np.full(2, 0.6)
    elite = max(2, population // 4)
    for it in range(iterations):
        cand = rng.normal(mean, sd, (population, 2))
        scores = np.array([np.mean([episode(env, dict(others, **{agent: Schedule(c)}), s)[agent][2] for s in seeds])
                           for c in cand])
        best = cand[np.argsort(scores)[-elite:]]
        mean, sd = best.mean(axis=0), best.std(axis=0) + 0.05
        if verbose:
            print(f"cem iteration {it}: best {scores.max():.2f}, mean {scores.mean():.2f}")
    return Schedule(mean)
