#!/usr/bin/env python3
"""Result files in the analyst's tools (issue 14), and the datasets format 3
added, checked by hand. Run by tests/sim/test_netcdf.sh with Debian's
/usr/bin/python3 (xarray, h5netcdf, netCDF4, h5py):

    check_netcdf.py BIDSIM OUTPUT_TABLE WORKDIR

- every group opens with xarray under the h5netcdf and the netcdf4 engines
  with the dimensions of the table (build/tools/output_table prints it) and
  a coordinate of labels per dimension, UTF-8 Chinese names intact; money
  decodes to yuan (li x 0.001, exactly the stored integers scaled), a cap's
  "unlimited" to NaN; the figures equal `bidsim report --format csv`;
- ncdump -h and a full ncdump of a result succeed;
- /plan_slot by hand: slots sum to the plan's exposures and clicks; two
  plans of fixed ranks (the first model, equal quality) fill slot 0 and
  slot 1 every time, clicked at the position weights (binomial, 4.5 sd);
- /market: listed plans carry the scenario's and the variant's bids and
  caps; per_replicate draws differ between replicates and follow the
  market's distributions (tolerances from the sampling distributions,
  4.5 sd); each replicate's caps are the caps its units ran (the cap stops
  a plan exactly when its spend reaches the cap of its replicate's draw);
  market.redraw once records one draw."""
import csv
import io
import math
import os
import subprocess
import sys

import h5py
import numpy as np
import xarray as xr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from checks import check, finish  # noqa: E402
from resultfile import labels  # noqa: E402

ENGINES = ("h5netcdf", "netcdf4")
SHOP, PLAN_A, PLAN_B = "厨房用品旗舰店", "厨房计划", "锅具-夜间"
PRODUCT_A = "不粘锅 28cm"

MAIN = f"""\
seed: 17
days: 2
start_date: 2026-11-10
replicates: 4
auction: {{slots: 3}}
traffic:
  impressions_per_day: 20000
  categories: [{{name: 厨具, share: 0.5}}, {{name: home, share: 0.5}}]
users: {{relation: per_shop}}
shops:
  - name: {SHOP}
    reach: 0.1
    products:
      - {{id: 1, name: {PRODUCT_A}, sales: 900, price: 89, ctr: 0.05, cvr: 0.02, category: 厨具}}
      - {{id: 2, name: 汤锅, sales: 700, price: 129, category: home}}
plans:
  - {{name: {PLAN_A}, shop: {SHOP}, cap: 300, products: [1], bids: {{ordinary: 1.20, shop: 1.80, similar: 1.40}}}}
  - {{name: {PLAN_B}, shop: {SHOP}, products: [2], bids: {{ordinary: 0.90}}}}
market:
  plans: 300
  redraw: per_replicate
  base_bid: {{dist: lognormal, median: 0.80, sigma: 0.5}}
  ctr: {{dist: uniform, min: 0.01, max: 0.06}}
  cap: {{dist: uniform, min: 100, max: 150}}
  unlimited_share: 0.3
variants:
  - {{name: base}}
  - {{name: 加价, plans: {{{PLAN_A}: {{bids: {{ordinary: 1.50, shop: 2.10, similar: 1.70}}, cap: 500}}}}}}
"""

ONCE = MAIN.replace("redraw: per_replicate", "redraw: once").replace("replicates: 4", "replicates: 2")

SLOTS = """\
seed: 3
days: 1
replicates: 2
auction: {slots: 3, position_weights: [1.0, 0.5, 0.25], quality_model: fixed}
users: {relation: global}
traffic: {impressions_per_day: 40000, noise: none, segments: {ordinary: 1.0, shop: 0.0, similar: 0.0}}
shops:
  - {name: S, products: [{id: 1, sales: 900, ctr: 0.05}, {id: 2, sales: 900, ctr: 0.05}]}
plans:
  - {name: A, shop: S, products: [1], bids: {ordinary: 2.00}}
  - {name: B, shop: S, products: [2], bids: {ordinary: 1.00}}
"""


def run(*args):
    p = subprocess.run(list(args), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"check_netcdf: {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def simulate(bidsim, work, name, text):
    scen, out = os.path.join(work, name + ".yaml"), os.path.join(work, name + ".h5")
    with open(scen, "w", encoding="utf-8") as f:
        f.write(text)
    run(bidsim, "run", scen, "-o", out, "--quiet", "--threads", "2")
    return out


def table(tool):
    """{group: {dataset: dims}} from the output table's markdown"""
    out = {}
    for line in run(tool).splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`") and cells[2].startswith("("):
            dims = tuple(d.strip() for d in cells[2].strip("()").split(",") if d.strip())
            out.setdefault(cells[0].strip("`"), {})[cells[1].strip("`")] = dims
    return out


def close(a, b, what, rel=1e-12):
    check(abs(a - b) <= rel * max(1.0, abs(b)), f"{what}: {a!r} vs {b!r}")


def check_groups(path, tab):
    """every group under both engines: the table's dimensions, labelled"""
    with h5py.File(path, "r") as f:
        want_labels = {
            "variant": labels(f["variant/variant"]), "day": labels(f["plan/day"]), "plan": labels(f["plan/plan"]),
            "product": labels(f["product/product"]), "segment": ["ordinary", "shop", "similar"],
            "category": labels(f["market/category"]),
        }
        R, K = f["variant/replicate"].shape[0], f["plan_slot/slot"].shape[0]
        raw = {m: f["plan_segment/" + m][()] for m in ("spend", "order_value")}
        raw_cap = f["plan/cap"][()]
    check(want_labels["plan"][:2] == [PLAN_A, PLAN_B], f"plan labels in UTF-8: {want_labels['plan'][:2]}")
    check(want_labels["variant"] == ["base", "加价"], f"variant labels: {want_labels['variant']}")
    check(want_labels["day"] == ["2026-11-10", "2026-11-11"], f"day labels: {want_labels['day']}")
    check(want_labels["product"][0] == PRODUCT_A, f"product labels: {want_labels['product'][:2]}")
    want_index = {"replicate": list(range(R)), "hour": list(range(24)), "slot": list(range(K)), "draw": list(range(R))}
    for engine in ENGINES:
        for group, datasets in tab.items():
            ds = xr.open_dataset(path, group=group, engine=engine)
            what = f"{engine} /{group}"
            for name, dims in datasets.items():
                if name == "sweep_value":   # sweeps only
                    continue
                check(name in ds.variables, f"{what}: no variable {name}")
                if name in ds.variables:
                    check(ds[name].dims == dims, f"{what}/{name}: dims {ds[name].dims}, table {dims}")
            for dim in {d for dims in datasets.values() for d in dims if d != "sweep_key"}:
                check(dim in ds.indexes, f"{what}: dimension {dim} has no coordinate")
                if dim not in ds.indexes:
                    continue
                got = list(ds.indexes[dim])
                want = want_labels.get(dim, want_index.get(dim))
                check(got == want, f"{what}: {dim} labels {got[:4]}..., expected {want[:4]}...")
            if group == "plan_segment":
                for m in ("spend", "order_value"):
                    check(ds[m].attrs.get("units") == "yuan", f"{what}/{m}: units {ds[m].attrs.get('units')}")
                    check(ds[m].dtype == np.float64 and np.array_equal(ds[m].values, raw[m] * 0.001),
                          f"{what}/{m}: not the stored li times 0.001")
            if group == "plan":
                cap = ds["cap"].values
                check(cap[0] == 300.0 and math.isnan(cap[1]), f"{what}/cap: {cap[:2]} (300 yuan, unlimited)")
                check(np.array_equal(np.isnan(cap), raw_cap == np.iinfo(np.int64).max), f"{what}/cap: NaN = unlimited")
                hit = ds["cap_hit_s"].values
                check(np.isnan(hit).any() and (hit[~np.isnan(hit)] >= 0).all(), f"{what}/cap_hit_s: -1 decodes to NaN")
            ds.close()


def check_report(bidsim, path):
    """plan and product figures from xarray against the CLI's report"""
    rows = list(csv.DictReader(io.StringIO(run(bidsim, "report", path, "--format", "csv"))))
    prows = list(csv.DictReader(io.StringIO(run(bidsim, "report", path, "--by", "product", "--format", "csv"))))
    check(len(rows) == 4 and len(prows) == 4, f"report rows: {len(rows)} plans, {len(prows)} products")
    for engine in ENGINES:
        ps = xr.open_dataset(path, group="plan_segment", engine=engine)
        ph = xr.open_dataset(path, group="plan_hour", engine=engine)
        pk = xr.open_dataset(path, group="plan_slot", engine=engine)
        pr = xr.open_dataset(path, group="product", engine=engine)
        D = ps.sizes["day"]
        for row in rows:
            sel = {"variant": row["variant"], "plan": row["name"]}
            per_day = lambda da, over: float(da.sel(**sel).sum(over).mean("replicate")) / D  # noqa: E731
            what = f"{engine}: {row['variant']}/{row['name']}"
            close(per_day(ps.exposures, ["day", "segment"]), float(row["exposures"]), what + " exposures")
            close(per_day(ph.exposures, ["day", "hour"]), float(row["exposures"]), what + " exposures by hour")
            close(per_day(pk.exposures, ["day", "slot"]), float(row["exposures"]), what + " exposures by slot")
            close(per_day(ps.clicks, ["day", "segment"]), float(row["clicks"]), what + " clicks")
            close(per_day(ps.spend, ["day", "segment"]), float(row["spend_yuan"]), what + " spend (yuan)")
            close(per_day(ps.conversions, ["day", "segment"]), float(row["orders"]), what + " orders")
            close(per_day(ps.order_value, ["day", "segment"]), float(row["order_value_yuan"]), what + " order value")
        for row in prows:
            sel = {"variant": row["variant"], "product": row["name"]}
            what = f"{engine}: product {row['name']}"
            close(float(pr.spend.sel(**sel).sum("day").mean("replicate")) / D, float(row["spend_yuan"]), what + " spend")
            close(float(pr.exposures.sel(**sel).sum("day").mean("replicate")) / D, float(row["exposures"]),
                  what + " exposures")
        for d in (ps, ph, pk, pr):
            d.close()


def check_ncdump(path):
    head = subprocess.run(["ncdump", "-h", path], capture_output=True)
    text = head.stdout.decode(errors="replace")
    check(head.returncode == 0, f"ncdump -h: exit {head.returncode}: {head.stderr[:200]!r}")
    for want in ("group: plan_segment", "group: plan_slot", "group: market", 'spend:units = "yuan"',
                 "spend:scale_factor = 0.001", "int64 exposures(variant, replicate, day, plan, segment)",
                 "char plan(plan, plan_strlen)"):
        check(want in text, f"ncdump -h: no {want!r}")
    full = subprocess.run(["ncdump", path], capture_output=True)
    check(full.returncode == 0, f"ncdump (data): exit {full.returncode} (a crash on the labels?)")
    octal = "".join("\\%03o" % b for b in PLAN_A.encode())   # how ncdump prints UTF-8 in char arrays
    check(octal in full.stdout.decode(errors="replace"), "ncdump: the Chinese plan name's bytes")


def check_slots_sum(path):
    with h5py.File(path, "r") as f:
        for m in ("exposures", "clicks"):
            by_slot = f["plan_slot/" + m][()].sum(axis=3)             # (V, R, D, P)
            total = f["plan_segment/" + m][()].sum(axis=4)
            check(np.array_equal(by_slot, total), f"/plan_slot/{m} summed over slots is not the plan's {m}")
        check(f["plan_slot/exposures"][()][:, :, :, 0].sum() > 0, "slot 0 is used")


def check_slot_positions(path):
    """A outbids B at equal quality: A on top, B second, every impression"""
    with h5py.File(path, "r") as f:
        e, c = f["plan_slot/exposures"][()], f["plan_slot/clicks"][()]   # (V, R, D, K, P)
        n = f["traffic/impressions"][()].sum(axis=(3, 4))                # (V, R, D)
    for r in range(e.shape[1]):
        N = int(n[0, r, 0])
        check(int(e[0, r, 0, 0, 0]) == N and int(e[0, r, 0, 1, 1]) == N, f"r{r}: A at slot 0 and B at slot 1 {N} times")
        check(e[0, r, 0].sum() == 2 * N, f"r{r}: nothing else shown")
        check(c[0, r, 0, 0, 1] == 0 and c[0, r, 0, 1, 0] == 0 and c[0, r, 0, 2].sum() == 0, f"r{r}: clicks off their slots")
        for slot, plan, p in ((0, 0, 0.05), (1, 1, 0.05 * 0.5)):
            x, sd = int(c[0, r, 0, slot, plan]), math.sqrt(N * p * (1 - p))
            check(abs(x - N * p) < 4.5 * sd, f"r{r}: slot {slot} clicks {x}, expected {N * p:.0f} +- {4.5 * sd:.0f}")


def check_market(path, once_path):
    with h5py.File(path, "r") as f:
        g = f["market"]
        bid, cap = g["bid"][()], g["cap"][()]                 # (V, W, P, S), (V, W, P) li
        ctr, cat = g["ctr"][()], g["product_category"][()]    # (V, W, Q)
        R = f["variant/replicate"].shape[0]
        check(g["draw"].shape[0] == R and g.attrs["redraw"] == b"per_replicate", "per_replicate: one draw a replicate")
        check(len(set(g["stream"][()])) == R, "each draw from a stream of its own")
        spend = f["plan_segment/spend"][()].sum(axis=4)       # (V, R, D, P) li
        hit = f["plan/cap_hit_s"][()]
        listed = f["plan/listed"][()] == 1
        names = labels(f["plan/plan"])
    a = names.index(PLAN_A)
    check((bid[0, :, a] == [1200, 1800, 1400]).all() and (cap[0, :, a] == 300000).all(), "listed plan: scenario bids, cap")
    check((bid[1, :, a] == [1500, 2100, 1700]).all() and (cap[1, :, a] == 500000).all(), "listed plan: the variant's")
    check((bid[0, :, ~listed] == bid[1, :, ~listed]).all(), "competitors: the same in every variant")
    comp = bid[0, :, ~listed, 0]                              # (competitors, W) li: base bids
    same = (comp[:, 0] == comp[:, 1]).mean()
    check(same < 0.1, f"per_replicate: {100 * same:.0f}% of the competitors' base bids equal between draws 0 and 1")
    check((ctr[0, 0, 2:] != ctr[0, 1, 2:]).mean() > 0.9, "per_replicate: the competitors' CTRs differ between draws")
    # the distributions (pooled over the draws; 4.5 sd of the sample mean)
    n = comp.size
    logb = np.log(comp.ravel() / 1000.0)
    close_sd(logb.mean(), math.log(0.80), 0.5 / math.sqrt(n), "base bid: mean log (lognormal median 0.80, sigma 0.5)")
    c = ctr[0, :, 2:].ravel()
    check(((c >= 0.01) & (c <= 0.06)).all(), "ctr within uniform [0.01, 0.06]")
    close_sd(c.mean(), 0.035, 0.05 / math.sqrt(12 * c.size), "ctr: mean of uniform [0.01, 0.06]")
    unlimited = cap[0, :, ~listed] == np.iinfo(np.int64).max
    close_sd(unlimited.mean(), 0.3, math.sqrt(0.3 * 0.7 / unlimited.size), "unlimited_share 0.3")
    finite = cap[0, :, ~listed][~unlimited]
    check(((finite >= 100000) & (finite <= 150000) & (finite % 1000 == 0)).all(), "caps: whole yuan in [100, 150]")
    k = cat[0, :, 2:].ravel()
    close_sd((k == 0).mean(), 0.5, math.sqrt(0.25 / k.size), "category shares 0.5 / 0.5")
    # each replicate's units ran that replicate's caps: platform mode stops a
    # plan when its spend reaches the cap, so a stop time exactly when spend >= cap
    for r in range(R):
        c_r = cap[0, r, :]
        capped = c_r < np.iinfo(np.int64).max
        reached = spend[0, r][:, capped] >= c_r[capped]     # (D, capped plans)
        stopped = hit[0, r][:, capped] >= 0
        check((reached == stopped).all(), f"replicate {r}: cap stops disagree with its draw's caps")
        check(reached.sum() > 10, f"replicate {r}: caps of 100-150 yuan bind")
    with h5py.File(once_path, "r") as f:
        g = f["market"]
        check(g["draw"].shape[0] == 1 and g.attrs["redraw"] == b"once", "once: one draw")
        check(int(g["stream"][0]) == 0xB1D5B1D5B1D5B1D5, "once: the seed's market stream")
        ob, oc = g["bid"][()], g["cap"][()]
        hit, spend = f["plan/cap_hit_s"][()], f["plan_segment/spend"][()].sum(axis=4)
    capped = oc[0, 0] < np.iinfo(np.int64).max
    for r in range(hit.shape[1]):
        check(((spend[0, r][:, capped] >= oc[0, 0, capped]) == (hit[0, r][:, capped] >= 0)).all(),
              f"once: replicate {r} ran the one draw's caps")


def close_sd(x, mu, sd, what):
    check(abs(x - mu) < 4.5 * sd, f"{what}: {x:.5f} vs {mu:.5f} (sd {sd:.5f})")


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    bidsim, tool, work = argv[1:]
    main_h5 = simulate(bidsim, work, "main", MAIN)
    once_h5 = simulate(bidsim, work, "once", ONCE)
    slots_h5 = simulate(bidsim, work, "slots", SLOTS)
    tab = table(tool)
    check(len(tab) == 8 and "plan_slot" in tab and "market" in tab, f"the table's groups: {sorted(tab)}")
    check_groups(main_h5, tab)
    check_report(bidsim, main_h5)
    check_ncdump(main_h5)
    check_slots_sum(main_h5)
    check_slot_positions(slots_h5)
    check_market(main_h5, once_h5)
    finish("netcdf")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
