"""Env and ParallelEnv: an episode fed a schedule is the `bidsim run` of
that schedule, dataset for dataset; reset(seed) is reproducible; the agents
of a ParallelEnv meet in the same auctions; rewards and infos add up to the
episode's file; the API's shapes and errors."""
import numpy as np
import pytest

import bidsim
from conftest import scenario
from test_strategies import datasets_equal

HOURS = [50, 50, 50, 50, 50, 50, 80, 90, 100, 110, 120, 130, 140, 150, 100, 100, 90, 80, 70, 60, 150, 150, 120, 100]


def play(env, policy, seed=None):
    """One episode; returns the observations, rewards and infos of every step."""
    obs, info = env.reset(seed=seed)
    steps = [(obs, 0.0, info)]
    while True:
        obs, reward, term, trunc, info = env.step(policy(obs, info))
        assert trunc is False
        steps.append((obs, reward, info))
        if term:
            return steps


def schedule(obs, info):
    return HOURS[info["second_of_day"] // 3600] / 100


@pytest.mark.parametrize("period_s", [3600, 1800])
def test_an_episode_fed_a_schedule_is_the_run_of_the_schedule(tmp_path, period_s):
    run = tmp_path / "run.h5"
    sc = bidsim.load(scenario("schedule.yaml"))
    sc.run(str(run), threads=1)
    env = bidsim.Env(sc, agent="Home", period_s=period_s, out=str(tmp_path / "env.h5"))
    steps = play(env, schedule)
    assert len(steps) == 1 + 2 * 86400 // period_s   # the reset, then every period of two days
    a, b = bidsim.open(str(run)), bidsim.open(steps[-1][2]["result"])
    assert datasets_equal(a, b) == []
    assert a["plan_segment"].spend.sel(plan="Home").sum() > 0
    # rewards are the agent's conversions, infos its spend, period by period
    ps = b["plan_segment"].sel(plan="Home")
    assert sum(r for _, r, _ in steps) == ps.conversions.sum().item()
    assert np.isclose(sum(i.get("spend_yuan", 0) for _, _, i in steps[1:]), ps.spend.sum().item())
    hour = b["plan_hour"].sel(plan="Home").isel(variant=0, replicate=0)
    per_hour = [i["exposures"] for _, _, i in steps[1:]]
    if period_s == 1800:
        per_hour = [x + y for x, y in zip(per_hour[::2], per_hour[1::2])]
    assert per_hour == hour.exposures.values.reshape(-1).tolist()
    env.close()


def test_reset_with_a_seed_is_reproducible(tmp_path):
    env = bidsim.Env(scenario("schedule.yaml"), agent="Home", period_s=1800, days=1)

    def pacing(obs, info):   # a feedback policy: any difference in the episode changes its actions
        return 1.5 if obs["spend_today_yuan"] < 300 * (1 - obs["time_left"]) else 0.7

    first = play(env, pacing, seed=7)
    f1 = bidsim.open(env.result_path)
    second = play(env, pacing, seed=7)
    f2 = bidsim.open(env.result_path)
    assert [(r, i) for _, r, i in first[1:]] == [(r, i) for _, r, i in second[1:]]
    assert all(a[0].keys() == b[0].keys() and all(np.array_equal(a[0][k], b[0][k]) for k in a[0])
               for a, b in zip(first, second))
    assert datasets_equal(f1, f2) == []
    other = play(env, pacing, seed=8)
    assert [i for _, _, i in other[1:]] != [i for _, _, i in first[1:]]
    # without a seed: the last seed + 1
    again = play(env, pacing, seed=None)
    assert again[0][2]["seed"] == 9
    nine = play(env, pacing, seed=9)
    assert [i for _, _, i in again[1:]] == [i for _, _, i in nine[1:]]
    env.close()


def test_agents_meet_in_the_same_auctions(tmp_path):
    """Home and Rival advertise the same category: Home bidding eight times
    higher takes exposures from Rival, the same seed and Rival's bids held
    (both caps lifted: a capped plan pushed to lower slots gets fewer clicks
    for its exposures and stays in the auctions longer, which hides the
    effect)."""
    text = open(scenario("schedule.yaml")).read()
    assert "    cap: 300\n    products: [1]" in text and "{name: Rival, shop: Bolt, cap: 300," in text
    path = tmp_path / "open.yaml"
    path.write_text(text.replace("    cap: 300\n    products: [1]", "    cap: unlimited\n    products: [1]")
                    .replace("{name: Rival, shop: Bolt, cap: 300,", "{name: Rival, shop: Bolt, cap: unlimited,"))
    env = bidsim.ParallelEnv(str(path), agents=["Home", "Rival"], period_s=3600, days=1)

    def episode(home_m):
        env.reset(seed=5)
        expo = {"Home": 0, "Rival": 0}
        while env.agents:
            _, rewards, terms, truncs, infos = env.step({"Home": home_m, "Rival": 1.0})
            assert set(rewards) == set(terms) == set(truncs) == set(infos) == {"Home", "Rival"}
            for a in expo:
                expo[a] += infos[a]["exposures"]
        return expo

    low, high = episode(0.5), episode(4.0)
    assert high["Home"] > low["Home"]
    assert high["Rival"] < low["Rival"]
    assert low["Rival"] > 0
    env.close()


def test_the_apis_shapes(tmp_path):
    env = bidsim.Env(scenario("schedule.yaml"), agent="Home", period_s=1800, days=1)
    obs, info = env.reset(seed=1)
    assert env.observation_space.contains(obs)
    assert env.action_space.contains(env.action_space.sample(np.random.default_rng(0)))
    assert len(env.observation_space.flatten(obs)) == 15 + 3 + 3
    assert obs["time_left"] == 1.0 and obs["cap_yuan"] == 300.0 and list(obs["value_bids_yuan"]) == [1.6, 2.4, 1.9]
    obs, reward, term, trunc, info = env.step(2.0)
    assert obs["time_left"] == 1 - 1 / 48 and info["second_of_day"] == 1800
    assert list(obs["bids_yuan"]) == [3.2, 4.8, 3.8]   # 2 x the configured bids
    assert isinstance(reward, float) and term is False
    bids = bidsim.Env(scenario("schedule.yaml"), agent="Home", action="bids", days=1)
    assert bids.action_space.shape == (3,)
    o, _ = bids.reset()
    o, *_ = bids.step([1.0, 1.5, 1.2])
    assert list(o["bids_yuan"]) == [1.0, 1.5, 1.2]
    bids.close()
    penv = bidsim.ParallelEnv(scenario("schedule.yaml"), agents=["Home", "Kitchen"], days=1)
    obs, infos = penv.reset(seed=2)
    assert set(obs) == {"Home", "Kitchen"} and penv.agents == ["Home", "Kitchen"]
    assert penv.state().shape == (42,)
    assert np.isinf(obs["Kitchen"]["cap_yuan"])
    penv.close()
    env.close()


def test_mistakes_are_refused():
    with pytest.raises(ValueError, match="period_s must divide a day"):
        bidsim.Env(scenario("schedule.yaml"), agent="Home", period_s=7000)
    with pytest.raises(ValueError, match="multiple of the scenario's strategy_period_s"):
        bidsim.Env(scenario("schedule.yaml"), agent="Home", period_s=90)
    with pytest.raises(KeyError, match="no listed plan"):
        bidsim.Env(scenario("schedule.yaml"), agent="Nobody")
    with pytest.raises(ValueError, match="one variant"):
        bidsim.Env("scenarios/bid_variants.yaml", agent="Kitchen").reset()
    env = bidsim.Env(scenario("schedule.yaml"), agent="Home", period_s=43200, days=1)
    env.reset()
    with pytest.raises(ValueError, match="a multiplier is a number >= 0"):
        env.step(-1)
    env.step(1.0)
    _, _, term, _, _ = env.step(1.0)
    assert term
    with pytest.raises(RuntimeError, match="the episode is over"):
        env.step(1.0)
    env.close()


def test_a_reset_mid_episode_starts_afresh(tmp_path):
    env = bidsim.Env(scenario("schedule.yaml"), agent="Home", period_s=3600, days=1)
    whole = play(env, schedule, seed=4)
    env.reset(seed=4)
    for _ in range(5):
        env.step(3.0)
    again = play(env, schedule, seed=4)   # the unfinished episode is dropped, nothing written for it
    assert [i for _, _, i in whole[1:]] == [i for _, _, i in again[1:]]
    env.close()


class Boom:
    def update(self, st):
        if st.second_of_day > 36000:
            raise RuntimeError("competitor strategy failed")


def test_a_failing_strategy_in_an_episode_raises_from_step(tmp_path):
    text = open(scenario("schedule.yaml")).read().replace(
        "  - {name: Rival, shop: Bolt", '  - {name: Rival, strategy: {python: "test_env:Boom"}, shop: Bolt')
    path = tmp_path / "boom.yaml"
    path.write_text(text)
    env = bidsim.Env(str(path), agent="Home", period_s=3600, days=1)
    env.reset()
    with pytest.raises(bidsim.StrategyError, match="competitor strategy failed") as e:
        for _ in range(24):
            env.step(1.0)
    assert isinstance(e.value.__cause__, RuntimeError)
    env.close()
