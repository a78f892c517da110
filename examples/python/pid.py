"""examples/python/pid.py - the PID baseline of the AuctionNet-style task
(auctionnet.py): each period the agent's bid multiplier follows the tighter
of two errors - pacing (the share of the day's traffic arrived minus the
share of the budget spent: behind the traffic, bid up) and cost (the target
CPA minus the realised one, relative: orders cheaper than the target, bid
up) - through proportional and integral terms (Zhang et al., WSDM 2016,
control the bid by an error signal; "min pacing" takes the smaller bid)."""
import numpy as np


class PID:
    def __init__(self, target_cpa_yuan, kp=0.8, ki=0.1, kd=0.0, lo=0.2, hi=4.0, windup=1.0):
        self.target, self.kp, self.ki, self.kd, self.lo, self.hi = target_cpa_yuan, kp, ki, kd, lo, hi
        self.windup = windup   # the integral's bound: a day's early overspend must not pin the bid low for the rest of it
        self.reset()

    def reset(self):
        self.integral, self.last = 0.0, 0.0

    def __call__(self, obs):
        spent, orders = obs["spend_today_yuan"], obs["total_conversions"]
        err = obs["traffic_done"] - spent / obs["cap_yuan"] if np.isfinite(obs["cap_yuan"]) else 0.0
        if orders > 0:   # no cost signal before the first order
            err = min(err, (self.target - obs["total_spend_yuan"] / orders) / self.target)
        self.integral = float(np.clip(self.integral + err, -self.windup, self.windup))
        m = 1.0 + self.kp * err + self.ki * self.integral + self.kd * (err - self.last)
        self.last = err
        return float(np.clip(m, self.lo, self.hi))
