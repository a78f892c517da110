"""bidsim.open gives the file's datasets with labelled coordinates in yuan,
and the numbers of `bidsim report` follow from them; bidsim.report is the
command's CSV as a DataFrame, options passed through."""
import io

import numpy as np
import pandas as pd
import pytest

import bidsim
from conftest import scenario


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("res") / "r.h5"
    bidsim.load("scenarios/bid_variants.yaml").run(str(out), days=2, replicates=3)
    return str(out)


def cli_csv(bidsim_cmd, *args):
    return pd.read_csv(io.StringIO(bidsim_cmd("report", *args, "--format", "csv").stdout),
                       keep_default_na=False, na_values=[""])


def test_open_labels_every_dimension(result):
    r = bidsim.open(result)
    assert set(r) == {"plan_segment", "plan_hour", "plan_slot", "product", "plan", "traffic", "variant", "market"}
    ps = r["plan_segment"]
    assert ps.spend.dims == ("variant", "replicate", "day", "plan", "segment")
    assert list(ps.segment.values) == ["ordinary", "shop", "similar"]
    assert list(ps.variant.values) == bidsim.load("scenarios/bid_variants.yaml").variants
    assert list(ps.replicate.values) == [0, 1, 2]
    assert str(ps.day.values[0])[:10] == "2026-11-16"
    assert ps.plan.values[0] == "Home bestsellers" and ps.shop.values[0] == "Acme Home"
    assert ps.listed.values[:3].tolist() == [1, 1, 1] and ps.listed.values[3] == 0
    assert ps.cap.sel(plan="Home bestsellers").item() == 300.0 and np.isinf(ps.cap.sel(plan="Kitchen").item())
    assert ps.spend.attrs["units"] == "yuan"
    assert r["plan_hour"].spend.dims == ("variant", "replicate", "day", "hour", "plan")
    assert list(r["plan_hour"].hour.values) == list(range(24))
    assert r["product"].exposures.dims == ("variant", "replicate", "day", "product")
    assert r["product"].product.values[0] == "Bamboo storage box"
    assert r["traffic"].impressions.dims == ("variant", "replicate", "day", "hour", "segment")
    assert r["variant"].cap.dims == ("variant", "plan")
    assert r["plan"].cap_hit_s.dims == ("variant", "replicate", "day", "plan")
    assert bidsim.open(result, group="plan_hour").equals(r["plan_hour"])
    assert ps.attrs["seed"] == 20261116 or isinstance(ps.attrs["seed"], int)


def test_money_is_yuan_exactly(result):
    import h5py
    with h5py.File(result) as f:
        li = f["plan_segment/spend"][...]
    yuan = bidsim.open(result, group="plan_segment").spend.values
    assert np.array_equal(np.round(yuan * 1000).astype(np.int64), li)


def test_open_gives_the_reports_numbers(result, bidsim_cmd):
    """Per plan and variant: mean per day over days and replicates for counts
    and money, the ratio of the means for CTR and ROI - the report's
    definitions (docs/analysis.md)."""
    cli = cli_csv(bidsim_cmd, result)
    ps = bidsim.open(result, group="plan_segment")
    per_rep = ps.sum("segment").mean("day")   # each replicate's mean per day
    for _, row in cli.iterrows():
        x = per_rep.sel(variant=row["variant"], plan=row["name"])
        assert np.isclose(x.exposures.mean().item(), row["exposures"], rtol=1e-12)
        assert np.isclose(x.clicks.mean().item(), row["clicks"], rtol=1e-12)
        assert np.isclose(x.spend.mean().item(), row["spend_yuan"], rtol=1e-12)
        assert np.isclose(x.conversions.mean().item(), row["orders"], rtol=1e-12)
        assert np.isclose(x.order_value.mean().item(), row["order_value_yuan"], rtol=1e-12)
        assert np.isclose(x.clicks.mean().item() / x.exposures.mean().item(), row["ctr"], rtol=1e-12)
        assert np.isclose(x.order_value.mean().item() / x.spend.mean().item(), row["roi"], rtol=1e-12)
    assert len(cli) == 4 * 3   # 4 variants x the 3 listed plans


@pytest.mark.parametrize("opts, flags", [
    (dict(), []),
    (dict(by="shop"), ["--by", "shop"]),
    (dict(by="product", variant="kitchen_plus_20pct"), ["--by", "product", "--variant", "kitchen_plus_20pct"]),
    (dict(hourly=True, day="2026-11-17"), ["--hourly", "--day", "2026-11-17"]),
    (dict(all_=True, variant=0), ["--all", "--variant", "0"]),
])
def test_report_is_the_commands_csv(result, bidsim_cmd, opts, flags):
    df = bidsim.report(result, **opts)
    want = cli_csv(bidsim_cmd, result, *flags)
    pd.testing.assert_frame_equal(df, want)
    assert len(df) > 0


def test_report_errors_are_the_commands(result, tmp_path):
    with pytest.raises(bidsim.ResultError, match="no variant 'nope'"):
        bidsim.report(result, variant="nope")
    with pytest.raises(bidsim.ResultError, match="--by must be"):
        bidsim.report(result, by="colour")
    bad = tmp_path / "bad.h5"
    bad.write_text("not hdf5")
    with pytest.raises(bidsim.ResultError):
        bidsim.report(str(bad))
    with pytest.raises(bidsim.ResultError, match="cannot open as HDF5"):
        bidsim.open(str(bad))


def test_compare_is_the_commands_csv(result, bidsim_cmd):
    df = bidsim.compare(result, baseline="current")
    p = bidsim_cmd("compare", result, "--baseline", "current", "--format", "csv")
    want = pd.read_csv(io.StringIO(p.stdout), keep_default_na=False, na_values=[""])
    pd.testing.assert_frame_equal(df, want)


def test_a_sweep_carries_its_keys_as_coordinates(tmp_path):
    out = tmp_path / "s.h5"
    bidsim.load("scenarios/sweep_bids.yaml", replicates=1).run(str(out))
    ps = bidsim.open(str(out), group="plan_segment")
    sc = bidsim.load("scenarios/sweep_bids.yaml")
    keys = [k for k in ps.coords if "." in k]
    assert keys, list(ps.coords)
    assert ps[keys[0]].dims == ("variant",) and len(ps[keys[0]]) == len(sc.variants)
