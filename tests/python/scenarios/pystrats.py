"""Python strategies for the tests: the built-ins' arithmetic in numpy, so a
run with them must equal a run with the built-ins, bid for bid."""
import numpy as np

import bidsim


class Multiplier:
    """engine/strategy.c's multiplier pacing (Balseiro & Gur), vectorised:
    mu <- clip(mu - eps + eps spent left / (budget_left share), 0, mu_max),
    bid = value / (1 + mu), rounded as the built-ins round."""

    def __init__(self, eps=0.05, mu_max=20):
        self.eps, self.mu_max = float(eps), float(mu_max)
        self.day = -1

    def begin(self, names):
        n = len(names)
        self.mu = np.zeros(n)
        self.last_spend = np.zeros(n, dtype=np.int64)
        self.last_done = 0.0

    def update(self, st):
        if st.day != self.day:
            self.day, self.last_done = st.day, 0.0
            self.last_spend[:] = 0
        cap, spend, done = st.cap_li, st.spend_today_li, st.traffic_done
        limited = cap != bidsim.CAP_UNLIMITED
        spent = spend - self.last_spend
        share = max(done - self.last_done, 1e-6)
        left = max(1.0 - self.last_done, 1e-6)
        budget_left = (cap - self.last_spend).astype(np.float64)
        budget_left[budget_left <= 0] = 1.0
        mu = self.mu - self.eps
        moved = spent != 0
        mu[moved] += self.eps * spent[moved].astype(np.float64) * left / (budget_left[moved] * share)
        mu = np.clip(mu, 0.0, self.mu_max)
        mu[~limited] = 0.0
        self.mu = mu
        # an unlimited plan leaves last_* alone in C; they are never read for it
        self.last_done = done
        self.last_spend = np.where(limited, spend, self.last_spend)
        m = np.where(mu == 0, 1.0, 1.0 / (1.0 + mu))
        value = st.value_bid_li
        bids = np.where(m[:, None] == 1.0, value, (value * m[:, None] + 0.5).astype(np.int64))
        return bids, 1.0


class Fixed:
    """The configured bids, every period (what no strategy does)."""

    def update(self, st):
        return st.value_bid_li


class Jitter:
    """Bids that move with what the plans saw: a deterministic function of
    the state, different from one period to the next."""

    def update(self, st):
        f = 0.8 + 0.1 * ((st.total_clicks + st.second_of_day // 600) % 5)
        return (st.value_bid_li * f[:, None] + 0.5).astype(np.int64)
