"""Python strategies: the numpy copy of the built-in multiplier bids exactly
as the built-in (listed plans and competitors), results do not depend on
the thread count, actions are clamped and counted as for C strategies, a
strategy's exception stops the run with its traceback and no file, and
what a strategy is given (state, clicks, the day's end, names) is right."""
import filecmp
import os

import numpy as np
import pytest

import bidsim
import pystrats
from conftest import SCENARIOS, scenario


def datasets_equal(a, b, va=None, vb=None):
    """Every data variable of every group of two opened files (or two variants of one)."""
    diffs = []
    for g in a:
        for name, x in a[g].data_vars.items():
            y = b[g][name]
            if va is not None and "variant" in x.dims:
                x, y = x.isel(variant=va), y.isel(variant=vb)
            if not np.array_equal(x.values, y.values, equal_nan=x.dtype.kind == "f"):
                diffs.append(f"{g}/{name}")
    return diffs


def test_a_python_multiplier_bids_as_the_builtin_on_listed_plans(tmp_path):
    out = tmp_path / "m.h5"
    bidsim.load(scenario("multiplier.yaml")).run(str(out), threads=2)
    r = bidsim.open(str(out))
    assert datasets_equal(r, r, 0, 1) == []
    # and the pacing did something: against fixed bids, Home's and Kitchen's hours differ
    fixed = tmp_path / "f.h5"
    bidsim.load(scenario("multiplier.yaml")).run(str(fixed), strategies={"Home": pystrats.Fixed(),
                                                                       "Kitchen": pystrats.Fixed(),
                                                                       "Open": pystrats.Fixed()})
    f = bidsim.open(str(fixed))
    spend = r["plan_hour"].spend.isel(variant=0, plan=[0, 1])
    assert not np.array_equal(spend.values, f["plan_hour"].spend.isel(variant=0, plan=[0, 1]).values)
    assert (r["plan_segment"].spend.isel(plan=[0, 1]).sum() > 0).item()


def test_a_python_multiplier_bids_as_the_builtin_on_competitors(tmp_path):
    text = open(os.path.join(SCENARIOS, "shop.yaml")).read()
    assert "strategy: {kind: multiplier}" in text
    py = tmp_path / "py.yaml"
    py.write_text(text.replace("strategy: {kind: multiplier}", 'strategy: {python: "pystrats:Multiplier"}'))
    a, b = tmp_path / "c.h5", tmp_path / "p.h5"
    bidsim.load(scenario("shop.yaml")).run(str(a))
    bidsim.load(str(py)).run(str(b))
    ra, rb = bidsim.open(str(a)), bidsim.open(str(b))
    assert datasets_equal(ra, rb) == []
    clamps = rb["plan"].strategy_clamps.sum().item()
    assert clamps == ra["plan"].strategy_clamps.sum().item()


def test_a_python_strategys_results_do_not_depend_on_threads(tmp_path):
    """The file's strategies (multiplier.yaml's python variant) and objects
    passed to run(): the same bytes with one thread and with two."""
    files = {}
    for threads in (1, 2):
        a, b = tmp_path / f"y{threads}.h5", tmp_path / f"o{threads}.h5"
        bidsim.load(scenario("multiplier.yaml")).run(str(a), threads=threads)
        bidsim.load(scenario("shop.yaml"), replicates=4).run(
            str(b), threads=threads, strategies={"Home": pystrats.Multiplier(eps=0.3), "Rival": pystrats.Jitter()})
        files[threads] = (a, b)
    for one, two in zip(files[1], files[2]):
        assert filecmp.cmp(one, two, shallow=False)


class Recorder:
    """Records what it is given; instances are deep copies, the log is shared."""
    log = []

    def __init__(self, bid_li=None, participation=None):
        self.bid_li, self.participation = bid_li, participation
        self.updates = 0
        self.clicks = []

    def begin(self, names):
        self.entry = {"names": names, "updates": 0, "clicks": 0, "price_li": 0, "orders": 0, "value_li": 0,
                      "day_ends": [], "first_updates": self.updates}
        Recorder.log.append(self.entry)

    def update(self, st):
        self.updates += 1
        self.entry["updates"] += 1
        assert st.count == len(st.names) == len(self.entry["names"])
        assert st.value_bid_li.shape == (st.count, 3) and st.value_bid_li.dtype == np.int64
        assert not st.value_bid_li.flags.writeable
        self.entry["last_state"] = st
        if self.bid_li is None:
            return None
        return np.full((st.count, 3), self.bid_li), self.participation

    def on_clicks(self, c):
        self.entry["clicks"] += len(c.i)
        self.entry["price_li"] += int(c.price_li.sum())
        self.entry["orders"] += int(c.converted.sum())
        self.entry["value_li"] += int(c.order_value_li.sum())

    def day_end(self, st):
        self.entry["day_ends"].append((st.day, st.second_of_day, st.traffic_done, st.spend_today_li.copy()))


def plan_totals(r, plan):
    ps = r["plan_segment"].sel(plan=plan)
    return {k: ps[k].sum().item() for k in ("clicks", "spend", "conversions", "order_value")}


def test_what_a_strategy_is_given(tmp_path):
    Recorder.log.clear()
    rec = Recorder()
    out = tmp_path / "r.h5"
    bidsim.load(scenario("shop.yaml"), days=2).run(str(out), threads=1,
                                                   strategies={"Home": rec, "Kitchen": rec, "Rival": Recorder})
    assert rec.updates == 0   # the object given is copied for each unit, never run itself
    log = Recorder.log
    assert len(log) == 2 * 2   # 2 replicates x 2 settings (the object for Home and Kitchen, the class for Rival)
    assert sorted(e["names"] for e in log) == [("Home", "Kitchen")] * 2 + [("Rival",)] * 2
    assert all(e["first_updates"] == 0 for e in log)   # fresh state in every unit
    r = bidsim.open(str(out))
    pair = [e for e in log if e["names"] == ("Home", "Kitchen")]
    home, kitchen = plan_totals(r, "Home"), plan_totals(r, "Kitchen")
    assert sum(e["clicks"] for e in pair) == home["clicks"] + kitchen["clicks"] > 0
    assert sum(e["price_li"] for e in pair) == round((home["spend"] + kitchen["spend"]) * 1000)
    assert sum(e["orders"] for e in pair) == home["conversions"] + kitchen["conversions"]
    assert sum(e["value_li"] for e in pair) == round((home["order_value"] + kitchen["order_value"]) * 1000)
    for e in log:
        assert [(d, s, t) for d, s, t, _ in e["day_ends"]] == [(0, 86400, 1.0), (1, 86400, 1.0)]
        assert e["updates"] > 2 * 600   # a minute's update with traffic: most of the day's 1,440
    # the day's spend at 24:00 is the file's spend of that day (replicate order: units run in order, 1 thread)
    day_spend = r["plan_segment"].spend.sel(plan="Home").sum("segment")
    got = np.array([[d[3][0] for d in e["day_ends"]] for e in pair]) / 1000
    assert np.allclose(got, day_spend.isel(variant=0).values)


def test_the_state_is_valid_only_during_the_call(tmp_path):
    Recorder.log.clear()
    bidsim.load(scenario("shop.yaml"), replicates=1).run(str(tmp_path / "x.h5"), strategies={"Home": Recorder()})
    st = Recorder.log[0]["last_state"]
    assert st.day == 0 and st.names == ("Home",)   # the scalars stay
    with pytest.raises(RuntimeError, match="valid only during the call"):
        st.clicks


def test_bids_outside_the_rules_are_clamped_and_counted(tmp_path):
    Recorder.log.clear()
    out = tmp_path / "w.h5"
    bidsim.load(scenario("shop.yaml"), replicates=1).run(
        str(out), strategies={"Home": Recorder(bid_li=10**15, participation=7.0)})
    r = bidsim.open(str(out))
    updates = Recorder.log[0]["updates"]
    # every update asks for 10^15 li against the clamped 90.00/99.00 in force: clamped and counted each time
    assert r["plan"].strategy_clamps.sel(plan="Home").sum().item() == updates
    clicks, spend = plan_totals(r, "Home")["clicks"], plan_totals(r, "Home")["spend"]
    assert clicks > 0 and spend / clicks <= 99.0   # no click costs more than the maximum bid
    assert r["plan"].strategy_clamps.sel(plan="Kitchen").sum().item() == 0


def test_nan_participation_sits_out(tmp_path):
    out = tmp_path / "n.h5"
    bidsim.load(scenario("shop.yaml"), replicates=1).run(
        str(out), strategies={"Home": Recorder(bid_li=1600, participation=float("nan"))})
    r = bidsim.open(str(out))
    # its first update comes at the day's first impression: nothing shown after it
    assert r["plan_segment"].exposures.sel(plan="Home").sum().item() <= 4


class Raises:
    def __init__(self, at=30):
        self.at, self.n = at, 0

    def update(self, st):
        self.n += 1
        if self.n == self.at:
            return self.explode(st)

    def explode(self, st):
        raise ZeroDivisionError("the strategy's own bug")


def test_an_exception_stops_the_run_with_its_traceback_and_no_file(tmp_path):
    out = tmp_path / "e.h5"
    with pytest.raises(bidsim.StrategyError) as e:
        bidsim.load(scenario("shop.yaml")).run(str(out), threads=2, strategies={"Kitchen": Raises()})
    msg = str(e.value)
    assert "test_strategies:Raises (object)" in msg and "update() (day 0, 00:" in msg
    assert "raised ZeroDivisionError: the strategy's own bug" in msg
    cause = e.value.__cause__
    assert isinstance(cause, ZeroDivisionError)
    import traceback
    frames = [f.name for f in traceback.extract_tb(cause.__traceback__)]
    assert frames[-2:] == ["update", "explode"]
    assert not out.exists()
    assert [f for f in os.listdir(tmp_path) if not f.endswith(".units")] == []


class BadShape:
    def update(self, st):
        return np.zeros(st.count)


class BadType:
    def update(self, st):
        return "high"


class NanBid:
    def update(self, st):
        return np.full((st.count, 3), np.nan)


@pytest.mark.parametrize("cls, text", [
    (BadShape, "returned bids of shape (1,); expected (1, 3)"),
    (BadType, "bids are numbers, in li"),
    (NanBid, "a bid of nan li for plan state.names[0], segment 0"),
])
def test_a_bad_action_is_an_error_naming_what_was_wrong(tmp_path, cls, text):
    with pytest.raises(bidsim.StrategyError) as e:
        bidsim.load(scenario("shop.yaml"), replicates=1).run(str(tmp_path / "b.h5"), strategies={"Home": cls})
    assert text in str(e.value)
    assert not (tmp_path / "b.h5").exists()


def test_a_strategy_needs_an_update_method(tmp_path):
    with pytest.raises(TypeError, match="has no update"):
        bidsim.load(scenario("shop.yaml")).run(str(tmp_path / "x.h5"), strategies={"Home": object()})
    with pytest.raises(KeyError, match="no listed plan 'Nobody'"):
        bidsim.load(scenario("shop.yaml")).run(str(tmp_path / "x.h5"), strategies={"Nobody": Recorder()})
    assert not os.listdir(tmp_path)


def test_float_bids_round_to_the_nearest_li_as_the_builtins(tmp_path):
    """A base bid of 1604.6 li is 1605 li, then 1.61 yuan at the platform's fen;
    1604.4 li is 1604 li, then 1.60 yuan (truncating would give 1.60 for both)."""
    class Base:
        def __init__(self, base_li):
            self.base_li = base_li

        def update(self, st):
            return np.array([[self.base_li, 2400, 1900]] * st.count)

    r = {}
    for x in (1604.6, 1610, 1604.4, 1600):
        out = tmp_path / f"b{x}.h5"
        bidsim.load(scenario("shop.yaml"), replicates=1).run(str(out), strategies={"Home": Base(x)})
        r[x] = bidsim.open(str(out))
    assert datasets_equal(r[1604.6], r[1610]) == []
    assert datasets_equal(r[1604.4], r[1600]) == []
    assert datasets_equal(r[1610], r[1600]) != []   # a fen more is another bid
