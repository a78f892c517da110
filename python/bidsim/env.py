"""bidsim.Env and bidsim.ParallelEnv: Gymnasium's and PettingZoo's parallel
APIs over an episode of the simulation (docs/python.md, "Environments").

An episode is a run of one replicate of the scenario (its first and only
variant) in which the agents' plans bid what step() says. The simulation
runs on a thread of its own and stops at each period boundary until the
actions arrive (python/env.c), so an episode fed a schedule is exactly the
`bidsim run` of that schedule, and every agent meets the others and the
generated market in the same auctions. Each day has 86400 / period_s
steps; the episode ends (terminated) at the end of its last day, and its
result file is then complete (info["result"]).

Observation (a dict per agent; money in yuan): time_left (share of the day
left at the step's start), traffic_done (the diurnal forecast's share of
today's impressions already arrived), cap_yuan and budget_left_yuan (inf
without a cap), spend_today_yuan, exposures_today, clicks_today,
conversions_today, the last period's last_exposures, last_clicks,
last_conversions, last_spend_yuan, last_order_value_yuan, the episode's
total_conversions and total_spend_yuan, and bids_yuan and value_bids_yuan
(3 each: ordinary, shop, similar; the bids in force and as configured).

Action: "multiplier" (default), a number m >= 0: the plan bids its
configured bids x m, rounded to the li as the built-in strategies round,
then clamped to the platform's rules by the host (0.10-99.00 yuan, segment
premiums 10%-300%; a clamp is counted in /plan/strategy_clamps); or
"bids", three bids in yuan.

Reward: the period's conversions (AuctionNet's), or "clicks",
"order_value" (yuan), "profit" (order value - spend, yuan), or a callable
of the info dict. Info: the period's exposures, top_exposures, clicks,
conversions, spend_yuan, order_value_yuan, and day, step, second_of_day;
at the end also result (the episode's file) and impressions.
"""
import os
import shutil
import tempfile
import weakref

import numpy as np

from . import _bidsim
from .spaces import Box, Dict

_LI = 1000.0
_UNLIMITED = np.iinfo(np.int64).max
_REWARDS = {"conversions": lambda i: float(i["conversions"]), "clicks": lambda i: float(i["clicks"]),
            "order_value": lambda i: i["order_value_yuan"],
            "profit": lambda i: i["order_value_yuan"] - i["spend_yuan"]}


def _observation_space():
    inf = np.inf
    f = {k: Box(0.0, inf) for k in ("cap_yuan", "budget_left_yuan", "spend_today_yuan", "exposures_today",
                                    "clicks_today", "conversions_today", "last_exposures", "last_clicks",
                                    "last_conversions", "last_spend_yuan", "last_order_value_yuan",
                                    "total_conversions", "total_spend_yuan")}
    return Dict({"time_left": Box(0.0, 1.0), "traffic_done": Box(0.0, 1.0), **f,
                 "bids_yuan": Box(0.0, 99.0, (3,)), "value_bids_yuan": Box(0.0, 99.0, (3,))})


class ParallelEnv:
    """PettingZoo's parallel API: every agent acts at every step, and
    observations, rewards, terminations, truncations and infos are dicts
    keyed by agent (a listed plan's name, or SHOP/PLAN)."""

    metadata = {"name": "bidsim_parallel_v0", "render_modes": []}
    render_mode = None

    def __init__(self, scenario, agents, period_s=1800, *, action="multiplier", reward="conversions", days=None,
                 out=None, max_multiplier=10.0):
        from . import load
        self.scenario = scenario if isinstance(scenario, _bidsim.Scenario) else load(scenario)
        sp = self.scenario.strategy_period_s
        if period_s <= 0 or 86400 % period_s or period_s % sp:
            raise ValueError(f"period_s must divide a day (86400 s) and be a multiple of the scenario's "
                             f"strategy_period_s ({sp} s), got {period_s}")
        if action not in ("multiplier", "bids"):
            raise ValueError(f"action must be 'multiplier' or 'bids', got {action!r}")
        if not callable(reward) and reward not in _REWARDS:
            raise ValueError(f"reward must be one of {', '.join(_REWARDS)} or a callable, got {reward!r}")
        self.possible_agents = list(agents)
        self.agents = []
        self.period_s = period_s
        self.steps_per_day = 86400 // period_s
        self.action = action
        self._reward = reward if callable(reward) else _REWARDS[reward]
        self._days = days
        self._core = _bidsim.EnvCore(self.scenario, self.possible_agents, period_s)
        self._tmp = None if out else tempfile.mkdtemp(prefix="bidsim-env-")
        self._out = os.fspath(out) if out else os.path.join(self._tmp, "episode.h5")
        self._finalizer = weakref.finalize(self, ParallelEnv._cleanup, self._core, self._tmp)
        self._seed = self.scenario.seed
        self._last = None
        self._obs_space = _observation_space()
        self._act_space = (Box(0.0, max_multiplier) if action == "multiplier" else Box(0.10, 99.0, (3,)))

    @staticmethod
    def _cleanup(core, tmp):
        core.close()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    def observation_space(self, agent):
        return self._obs_space

    def action_space(self, agent):
        return self._act_space

    @property
    def result_path(self):
        """The last finished episode's result file (valid until the next reset)."""
        return self._out

    def reset(self, seed=None, options=None):
        """A new episode: seed (the run seed: traffic, users and the generated
        market) or, without one, the previous episode's seed + 1 (the
        scenario's own seed first). Returns (observations, infos)."""
        if seed is not None:
            self._seed = int(seed)
        self._episode_seed = self._seed
        self._seed = (self._seed + 1) % 2**64
        self._core.start(self.scenario, self._out, self._episode_seed, self._days)
        st = self._core.wait()
        if st is None:
            self._core.join()   # raises the episode's error
        self._last = st
        self.agents = list(self.possible_agents)
        obs = self._observations(st, None)
        return obs, {a: {"day": st["day"], "step": st["step"], "second_of_day": st["second_of_day"],
                         "seed": self._episode_seed} for a in self.agents}

    def _bids(self, actions):
        st = self._last
        n = len(self.possible_agents)
        bids = np.empty((n, 3), dtype=np.int64)
        for k, a in enumerate(self.possible_agents):
            x = actions[a]
            if self.action == "multiplier":
                m = float(np.asarray(x, dtype=np.float64).reshape(()))
                if not np.isfinite(m) or m < 0:
                    raise ValueError(f"agent {a!r}: a multiplier is a number >= 0, got {x!r}")
                v = st["value_bid_li"][k]
                # as the built-ins scale bids: (int64)(value x m + 0.5), the value itself at m = 1
                bids[k] = v if m == 1.0 else (v.astype(np.float64) * m + 0.5).astype(np.int64)
            else:
                y = np.asarray(x, dtype=np.float64).reshape(3)
                if not np.all(np.isfinite(y)):
                    raise ValueError(f"agent {a!r}: bids must be finite yuan, got {x!r}")
                bids[k] = np.floor(np.clip(y, -1e12, 1e12) * _LI + 0.5).astype(np.int64)
        return bids, np.ones(n)

    def step(self, actions):
        """Every agent's action for the period that starts now (a dict by
        agent). Returns (observations, rewards, terminations, truncations,
        infos) at the next boundary."""
        if not self.agents:
            raise RuntimeError("the episode is over: call reset()")
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise KeyError(f"no action for agent(s) {', '.join(map(repr, missing))}")
        bids, part = self._bids(actions)
        self._core.act(bids, part)
        st = self._core.wait()
        if st is None:
            self.agents = []
            self._core.join()   # raises the episode's error
        prev, self._last = self._last, st
        infos = self._infos(st, prev)
        obs = self._observations(st, prev)
        rewards = {a: float(self._reward(infos[a])) for a in self.possible_agents}
        done = bool(st["terminal"])
        if done:
            summary = self._core.join()
            for a in self.possible_agents:
                infos[a]["result"] = summary["path"]
                infos[a]["impressions"] = summary["impressions"]
            self.agents = []
        terms = {a: done for a in self.possible_agents}
        truncs = {a: False for a in self.possible_agents}
        return obs, rewards, terms, truncs, infos

    def _infos(self, st, prev):
        out = {}
        for k, a in enumerate(self.possible_agents):
            d = lambda key: int(st[key][k] - (prev[key][k] if prev is not None else 0))
            out[a] = {"exposures": d("total_exposures"), "top_exposures": d("total_top_exposures"),
                      "clicks": d("total_clicks"), "conversions": d("total_conversions"),
                      "spend_yuan": d("total_spend_li") / _LI, "order_value_yuan": d("total_order_value_li") / _LI,
                      "day": st["day"], "step": st["step"], "second_of_day": st["second_of_day"]}
        return out

    def _observations(self, st, prev):
        out = {}
        left = 1.0 - (st["step"] % self.steps_per_day) / self.steps_per_day if not st["terminal"] else 0.0
        for k, a in enumerate(self.possible_agents):
            d = lambda key: float(st[key][k] - (prev[key][k] if prev is not None else 0))
            cap = st["cap_li"][k]
            cap_y = np.inf if cap == _UNLIMITED else cap / _LI
            spend = st["spend_today_li"][k] / _LI
            out[a] = {"time_left": left, "traffic_done": float(st["traffic_done"]), "cap_yuan": cap_y,
                      "budget_left_yuan": max(cap_y - spend, 0.0), "spend_today_yuan": spend,
                      "exposures_today": float(st["exposures"][k]), "clicks_today": float(st["clicks"][k]),
                      "conversions_today": float(st["conversions"][k]), "last_exposures": d("total_exposures"),
                      "last_clicks": d("total_clicks"), "last_conversions": d("total_conversions"),
                      "last_spend_yuan": d("total_spend_li") / _LI,
                      "last_order_value_yuan": d("total_order_value_li") / _LI,
                      "total_conversions": float(st["total_conversions"][k]),
                      "total_spend_yuan": st["total_spend_li"][k] / _LI,
                      "bids_yuan": st["bid_li"][k] / _LI, "value_bids_yuan": st["value_bid_li"][k] / _LI}
        return out

    def state(self):
        """Every agent's observation flattened, in possible_agents' order."""
        obs = self._observations(self._last, None)
        return np.concatenate([self._obs_space.flatten(obs[a]) for a in self.possible_agents])

    def render(self):
        return None

    def close(self):
        """End the episode (writing nothing) and remove the temporary folder."""
        self._finalizer()
        self.agents = []


class Env:
    """Gymnasium's API for one agent (a listed plan) among the scenario's
    plans and generated market: reset(seed=...) -> (obs, info);
    step(action) -> (obs, reward, terminated, truncated, info)."""

    metadata = {"render_modes": []}
    render_mode = None
    spec = None

    def __init__(self, scenario, agent, period_s=1800, **kw):
        self.agent = agent
        self._p = ParallelEnv(scenario, [agent], period_s, **kw)
        self.scenario = self._p.scenario
        self.observation_space = self._p.observation_space(agent)
        self.action_space = self._p.action_space(agent)
        self.period_s = period_s
        self.steps_per_day = self._p.steps_per_day

    @property
    def unwrapped(self):
        return self

    @property
    def result_path(self):
        return self._p.result_path

    def reset(self, *, seed=None, options=None):
        obs, infos = self._p.reset(seed=seed, options=options)
        return obs[self.agent], infos[self.agent]

    def step(self, action):
        obs, rew, term, trunc, infos = self._p.step({self.agent: action})
        a = self.agent
        return obs[a], rew[a], term[a], trunc[a], infos[a]

    def render(self):
        return None

    def close(self):
        self._p.close()
