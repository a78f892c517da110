"""End-to-end checks of `bidsim report`, `compare` and `plot` (called by
tests/analysis/test_report_cli.sh with Debian's /usr/bin/python3): every
figure of the CSV and JSON outputs is recomputed here from the datasets
with h5py and numpy: means per day, ratios of means (CTR, CPC, CVR, ROI,
CPA, cap-hit time, pacing evenness) with their delta-method intervals
through per-replicate linearisation, 95% Student-t intervals with the
tabulated t quantile; BAT's pacing RMSE from the hourly spend and the
arriving impressions, AuctionNet's CPA score from each day's orders and
spend and the target read from the stored scenario; the cuts by day and
segment, the --plan, --shop and --days filters, a sweep's key columns and
compare --summary. Both formats must parse with the standard library's csv
and json modules; tables fit 80 columns; bad files give exit 2 with a
one-line message.
usage: check_report.py BIDSIM RESULT.h5 SYNTH.h5 SWEEP.h5 VARIANTS.h5 TMPDIR"""
import csv
import io
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from checks import check, finish  # noqa: E402
from resultfile import labels  # noqa: E402

T975 = {1: 12.706204736174698, 2: 4.302652729911275, 3: 3.182446305284263,
        9: 2.262157162740991}   # t(0.975, df), standard table
# the figures' keys name the unit of the integers h5py reads (li): key -> dataset
METRICS = {"exposures": "exposures", "clicks": "clicks", "spend_li": "spend", "conversions": "conversions",
           "order_value_li": "order_value"}
UNLIMITED = np.iinfo(np.int64).max
STATS = 15   # figures per row: report's CSV keys


def run(*args, ok=0):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    check(p.returncode == ok, f"{' '.join(args)}: exit {p.returncode}, expected {ok}: {p.stderr.strip()[:300]}")
    return p


def close(a, b, what, rel=1e-9):
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        check((a is None or a == "") and (b is None or math.isnan(b)), f"{what}: {a!r} vs {b!r}")
        return
    check(a not in (None, "") and abs(float(a) - b) <= rel * max(1.0, abs(b)), f"{what}: {a} vs expected {b}")


def estimate(x):
    """mean and 95% t interval of the defined values, as the report does"""
    x = np.asarray([v for v in x if not math.isnan(v)])
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    if len(x) < 2:
        return x.mean(), math.nan, math.nan
    h = T975[len(x) - 1] * x.std(ddof=1) / math.sqrt(len(x))
    return x.mean(), x.mean() - h, x.mean() + h


def pseudo(num, den):
    """a figure's values per replicate for the interval: the values
    themselves for a mean (den None), else the ratio of means'
    linearisation R + (num - R den) / mean(den), whose mean is R; NaN
    throughout when every denominator is zero"""
    num = np.asarray(num, dtype=float)
    if den is None:
        return num
    den = np.asarray(den, dtype=float)
    if den.sum() == 0:
        return np.full(len(num), math.nan)
    r = num.sum() / den.sum()
    return r + (num - r * den) / den.mean()


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def load(path):
    """every dataset the report reads, and the plans' target CPAs (li)"""
    with h5py.File(path, "r") as f:
        # money: li, CF-scaled to yuan by scale_factor 0.001 (h5py gives the integers)
        check(float(f["plan_segment/spend"].attrs["scale_factor"]) == 1e-3, "money's scale_factor is 0.001 yuan")
        a = {"ps": {k: f["plan_segment/" + m][...] for k, m in METRICS.items()},   # (V, R, D, P, S)
             "ph_spend": f["plan_hour/spend"][...],                                # (V, R, D, 24, P)
             "ph": {k: f["plan_hour/" + m][...] for k, m in METRICS.items()},
             "pr": {k: f["product/" + m][...] for k, m in METRICS.items()},       # (V, R, D, Q)
             "slot": ({m: f["plan_slot/" + m][...] for m in ("exposures", "clicks")}    # (V, R, D, K, P)
                      if "plan_slot/clicks" in f else None),
             "cap_hit": f["plan/cap_hit_s"][...],                         # (V, R, D, P)
             "imp": f["traffic/impressions"][...].sum(axis=4),            # (V, R, D, 24)
             "names": labels(f["plan/plan"]),
             "shops": labels(f["plan/shop"]),
             "listed": f["plan/listed"][...] == 1,
             "capped": f["variant/cap"][...] < UNLIMITED,                   # (V, P)
             "pnames": labels(f["product/product"]),
             "pshops": labels(f["product/shop"]),
             "days": labels(f["plan/day"]),
             "variants": labels(f["variant/variant"]),
             "scenario": yaml.safe_load(text(f.attrs["resolved_scenario"])) or {},
             "sweep_keys": labels(f["variant/sweep_key"]) if "variant/sweep_key" in f else []}
        k = len(a["sweep_keys"])
        values = labels(f["variant/sweep_value"]) if k else []      # (V, K, bytes): K values per variant
        a["sweep_values"] = [values[u * k:(u + 1) * k] for u in range(len(a["variants"]))] if k else []
    a["targets"] = targets(a)
    return a


def targets(a):
    """(V, P) target CPA in li of each listed plan: its strategy, a
    variant's change of it, or a sweep's value of its target"""
    V, P = len(a["variants"]), len(a["names"])
    out = np.full((V, P), math.nan)
    sc = a["scenario"] if isinstance(a["scenario"], dict) else {}
    plans = {p.get("name"): p for p in sc.get("plans", []) or [] if isinstance(p, dict)}
    variants = {v.get("name"): v for v in sc.get("variants", []) or [] if isinstance(v, dict)}
    for v, vname in enumerate(a["variants"]):
        for p, name in enumerate(a["names"]):
            if not a["listed"][p] or name not in plans:
                continue
            st = plans[name].get("strategy")
            change = ((variants.get(vname) or {}).get("plans") or {}).get(name) or {}
            st = change.get("strategy", st)
            target = st["params"]["target"] if st and st.get("kind") == "target_cpa" else math.nan
            for k, key in enumerate(a["sweep_keys"]):
                if key == f"plans[{name}].strategy.params.target":
                    target = float(a["sweep_values"][v][k])
            out[v, p] = 1000.0 * target
    return out


def pacing_rmse(spend, traffic):
    """BAT's pacing RMSE of each day: spend and traffic (..., 24); NaN
    where nothing was spent"""
    spend, traffic = np.asarray(spend, dtype=float), np.asarray(traffic, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = spend.cumsum(axis=-1) / spend.sum(axis=-1, keepdims=True)
        t = traffic.cumsum(axis=-1) / traffic.sum(axis=-1, keepdims=True)
        e = np.sqrt(((s - t) ** 2).mean(axis=-1))
    return np.where(spend.sum(axis=-1) > 0, e, math.nan)


def cpa_score(orders, spend, target):
    """AuctionNet's score of each day: orders x min(1, (target / CPA)^2)"""
    orders, spend = np.asarray(orders, dtype=float), np.asarray(spend, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        cpa = spend / orders
        k = np.where((orders > 0) & (cpa > target), (target / cpa) ** 2, 1.0)
    return np.where(orders > 0, orders * k, 0.0)


def figures(a, v, plans, days, by="plan", segment=None):
    """every figure of one row (variant v; the plans' sum; days a list of
    day indices; one segment or all) as per-replicate values whose mean and
    t interval are the report's"""
    ps = {m: a["ps"][m][v][:, days][:, :, plans] for m in METRICS}       # (R, nd, np, S)
    if segment is not None:
        ps = {m: x[..., segment] for m, x in ps.items()}
    else:
        ps = {m: x.sum(axis=-1) for m, x in ps.items()}
    day = {m: x.sum(axis=2) for m, x in ps.items()}                     # (R, nd)
    tot = {m: x.sum(axis=1) for m, x in day.items()}                    # (R,)
    n = len(days)

    def fig(num, den=None, k=1.0):
        return pseudo(num, den) * k
    out = {
        "exposures": fig(tot["exposures"], k=1 / n),
        "clicks": fig(tot["clicks"], k=1 / n),
        "spend_yuan": fig(tot["spend_li"], k=1e-3 / n),
        "orders": fig(tot["conversions"], k=1 / n),
        "order_value_yuan": fig(tot["order_value_li"], k=1e-3 / n),
        "ctr": fig(tot["clicks"], tot["exposures"]),
        "cpc_yuan": fig(tot["spend_li"], tot["clicks"], 1e-3),
        "cvr": fig(tot["conversions"], tot["clicks"]),
        "roi": fig(tot["order_value_li"], tot["spend_li"]),
        "cpa_yuan": fig(tot["spend_li"], tot["conversions"], 1e-3),
    }
    if segment is not None:
        return out
    hours = a["ph_spend"][v][:, days][..., plans].sum(axis=-1)          # (R, nd, 24)
    e = pacing_rmse(hours, a["imp"][v][:, days])                        # (R, nd)
    out["pacing_rmse"] = fig(np.nansum(e, axis=1), (~np.isnan(e)).sum(axis=1))
    if by != "plan":
        return out
    p = plans[0]
    if a["capped"][v, p]:
        hit = a["cap_hit"][v][:, days, p]                               # (R, nd)
        was = hit >= 0
        out["cap_hit_hour"] = fig(np.where(was, hit, 0).sum(axis=1), was.sum(axis=1), 1 / 3600)
        out["cap_hit_share"] = fig(was.sum(axis=1), k=1 / n)
        out["capped_share"] = fig(np.where(was, 86400 - hit, 0).sum(axis=1), k=1 / (86400 * n))
    if not math.isnan(a["targets"][v, p]):
        score = cpa_score(day["conversions"], day["spend_li"], a["targets"][v, p]).sum(axis=1)
        out["cpa_score"] = fig(score, k=1 / n)
    return out


ALL_KEYS = ("exposures", "clicks", "spend_yuan", "orders", "order_value_yuan", "ctr", "cpc_yuan", "cvr", "roi",
            "cpa_yuan", "cap_hit_hour", "cap_hit_share", "capped_share", "pacing_rmse", "cpa_score")


def compare_row(row, expected, what):
    """every figure of a report row; those not expected must be undefined"""
    for key in ALL_KEYS:
        if key not in expected:
            check(row[key] in ("", None) and row[key + "_n"] in (0, "0"), f"{what} {key}: undefined, n = 0")
            continue
        values = expected[key]
        m, lo, hi = estimate(values)
        close(row[key], m, f"{what} {key}")
        close(row[key + "_ci_low"], lo, f"{what} {key}_ci_low")
        close(row[key + "_ci_high"], hi, f"{what} {key}_ci_high")
        n = int(np.sum(~np.isnan(values)))
        check(row[key + "_n"] in (n, str(n)), f"{what} {key}_n: {row[key + '_n']}, expected {n}")


def as_csv(out):
    rows = list(csv.DictReader(io.StringIO(out)))
    check(len(rows) > 0, "CSV has rows")
    return rows


def check_width(out, what):
    # the "results: PATH" line is as long as the path
    widest = max((len(line) for line in out.splitlines() if not line.startswith("results: ")), default=0)
    check(widest <= 80, f"{what}: a table line is {widest} columns wide")


def slot_figures(a, v, plans, days, k):
    """exposures, clicks and CTR of slot position k (0 = top) from
    /plan_slot, per replicate (the only figures by slot)"""
    tot = {m: a["slot"][m][v][:, days][:, :, k][..., plans].sum(axis=(1, 2)) for m in ("exposures", "clicks")}
    n = len(days)
    return {"exposures": pseudo(tot["exposures"], None) / n, "clicks": pseudo(tot["clicks"], None) / n,
            "ctr": pseudo(tot["clicks"], tot["exposures"])}


def paired(a, b):
    """B - A of two figures' per-replicate values: mean and t interval"""
    return estimate([y - x for x, y in zip(a, b) if not (math.isnan(x) or math.isnan(y))])


BIN, REAL, SYNTH, SWEEP, VARIANTS, TMP = sys.argv[1:7]
R_ = load(REAL)
V, R, D, P = R_["ps"]["clicks"].shape[:4]
ALLD = list(range(D))
listed = [p for p in range(P) if R_["listed"][p]]

# --by plan, CSV: every listed plan, every figure; Open bids to a target CPA
rows = as_csv(run("report", REAL, "--format", "csv").stdout)
check([r["name"] for r in rows] == [R_["names"][p] for p in listed], "report rows are the listed plans")
for row in rows:
    p = R_["names"].index(row["name"])
    compare_row(row, figures(R_, 0, [p], ALLD), f"plan {row['name']}")
    check(row["replicates"] == str(R) and row["days"] == str(D) and row["day"] == "all", "row header fields")
check(any(r["cpa_score"] for r in rows), "a plan with a target CPA has a CPA score")
check(rows[[r["name"] for r in rows].index("Open")]["target_cpa_yuan"] == "40", "Open's target CPA is 40 yuan")

# --by shop --day 1, JSON; pacing of the shop's summed spend
doc = json.loads(run("report", REAL, "--by", "shop", "--day", "1", "--format", "json").stdout)
check(len(doc) == len({R_["shops"][p] for p in listed}), "one JSON object per shop")
for row in doc:
    sel = [p for p in listed if R_["shops"][p] == row["name"]]
    compare_row(row, figures(R_, 0, sel, [1], by="shop"), f"shop {row['name']} day 1")
    check(row["day"] == R_["days"][1] and row["hour"] is None, "JSON day label and null hour")
doc2 = json.loads(run("report", REAL, "--by", "shop", "--day", R_["days"][1], "--format", "json").stdout)
check(doc == doc2, "--day by index and by date agree")

# --by day: a plan x day table, each row one day
rows = as_csv(run("report", REAL, "--by", "day", "--format", "csv").stdout)
check(len(rows) == len(listed) * D, f"--by day rows: {len(rows)}")
for row in rows:
    p, d = R_["names"].index(row["name"]), R_["days"].index(row["day"])
    compare_row(row, figures(R_, 0, [p], [d]), f"plan {row['name']} day {row['day']}")
    check(row["days"] == "1", "a day row covers one day")

# --by segment: ordinary, shop (retargeting), similar
doc = json.loads(run("report", REAL, "--by", "segment", "--format", "json").stdout)
check([r["segment"] for r in doc[:3]] == ["ordinary", "shop", "similar"], "segment labels")
for row in doc:
    p, g = R_["names"].index(row["name"]), ["ordinary", "shop", "similar"].index(row["segment"])
    compare_row(row, figures(R_, 0, [p], ALLD, segment=g), f"plan {row['name']} segment {row['segment']}")

# filters: two named plans, a day range by date and by index, a shop
out = run("report", REAL, "--plan", "Other", "--plan", "Capped", "--days", f"{R_['days'][1]}:", "--format",
          "json").stdout
doc = json.loads(out)
check([r["name"] for r in doc] == ["Capped", "Other"], f"--plan keeps the file's order: {[r['name'] for r in doc]}")
for row in doc:
    compare_row(row, figures(R_, 0, [R_["names"].index(row["name"])], [1]), f"--days 1: {row['name']}")
check(doc == json.loads(run("report", REAL, "--plan", "Other", "--plan", "Capped", "--days", "1:1",
                            "--format", "json").stdout), "--days by date and by index agree")
doc = json.loads(run("report", REAL, "--shop", "Second", "--format", "json").stdout)
check([r["name"] for r in doc] == ["Other"], "--shop keeps that shop's plans")
comp = R_["names"][max(set(range(P)) - set(listed))]
doc = json.loads(run("report", REAL, "--plan", comp, "--format", "json").stdout)
check(len(doc) == 1 and doc[0]["name"] == comp, "--plan names a generated competitor without --all")
compare_row(doc[0], figures(R_, 0, [R_["names"].index(comp)], ALLD), f"competitor {comp}")
for bad in (("--plan", "Nope"), ("--shop", "Nope"), ("--days", "1:0"), ("--days", "0:9"), ("--by", "segment,day"),
            ("--by", "product,segment"), ("--by", "product,slot"), ("--by", "slot,day"), ("--stats", "nope")):
    p_ = run("report", REAL, *bad, ok=2)
    check(len(p_.stderr.strip().splitlines()) == 1, f"report {bad}: one line")

# --by slot: exposures, clicks and CTR per slot position from /plan_slot,
# "1" the top slot; the figures /plan_slot does not hold are null
K = R_["slot"]["clicks"].shape[3]
check(K == 4, f"the market's 4 slots: {K}")
doc = json.loads(run("report", REAL, "--by", "slot", "--format", "json").stdout)
check(len(doc) == len(listed) * K, f"--by slot rows: {len(doc)}")
check([r["slot"] for r in doc[:K]] == list(range(1, K + 1)), f"slot labels 1..K: {[r['slot'] for r in doc[:K]]}")
for row in doc:
    p, k = R_["names"].index(row["name"]), row["slot"] - 1
    compare_row(row, slot_figures(R_, 0, [p], ALLD, k), f"plan {row['name']} slot {row['slot']}")
    for key in ("spend_yuan", "orders", "roi", "cpc_yuan", "pacing_rmse", "cap_hit_share"):
        check(row[key] is None and row[key + "_n"] == 0, f"slot {row['slot']} {row['name']}: {key} is not per slot")
for p in listed:   # every exposure and click is in some slot: the slots add up to the plan's figures
    rows_p = [r for r in doc if r["name"] == R_["names"][p]]
    whole = figures(R_, 0, [p], ALLD)
    close(sum(r["exposures"] for r in rows_p), estimate(whole["exposures"])[0], f"{R_['names'][p]}: slots sum")
    close(sum(r["clicks"] for r in rows_p), estimate(whole["clicks"])[0], f"{R_['names'][p]}: slot clicks sum")
check(any(r["clicks"] > 0 for r in doc if r["slot"] > 1), "plans are also seen below the top slot")
doc = json.loads(run("report", REAL, "--by", "shop,slot", "--day", "1", "--format", "json").stdout)
check(len(doc) == len({R_["shops"][p] for p in listed}) * K, f"--by shop,slot rows: {len(doc)}")
for row in doc:
    sel = [p for p in listed if R_["shops"][p] == row["name"]]
    compare_row(row, slot_figures(R_, 0, sel, [1], row["slot"] - 1), f"shop {row['name']} day 1 slot {row['slot']}")
table = run("report", REAL, "--by", "slot").stdout
check_width(table, "report --by slot")
check("CTR" in table and "spend" not in table, "the slot table shows what /plan_slot holds")

# --by product, JSON: the listed shops' products
doc = json.loads(run("report", REAL, "--by", "product", "--format", "json").stdout)
own = {R_["shops"][p] for p in listed}
check([r["name"] for r in doc] == [n for n, s in zip(R_["pnames"], R_["pshops"]) if s in own],
      "products of the listed shops")
for row in doc:
    q = R_["pnames"].index(row["name"])
    tot = {m: R_["pr"][m][0, :, :, q].sum(axis=1) for m in METRICS}
    for key, num, den, k in (("exposures", "exposures", None, 1 / D), ("roi", "order_value_li", "spend_li", 1)):
        m, lo, hi = estimate(pseudo(tot[num], tot[den] if den else None) * k)
        close(row[key], m, f"product {row['name']} {key}")
        close(row[key + "_ci_low"], lo, f"product {row['name']} {key}_ci_low")
    check(row["pacing_rmse"] is None and row["cap_hit_hour"] is None, "products have no pacing or cap figures")

# --hourly, CSV: 24 rows per plan from the plan x hour table
rows = as_csv(run("report", REAL, "--hourly", "--format", "csv").stdout)
check(len(rows) == 24 * len(listed), f"hourly rows: {len(rows)}")
for row in rows:
    p, h = R_["names"].index(row["name"]), int(row["hour"])
    tot = {m: R_["ph"][m][0, :, :, h, p].sum(axis=1) for m in METRICS}
    for key, num, den, k in (("clicks", "clicks", None, 1 / D), ("cpc_yuan", "spend_li", "clicks", 1e-3)):
        m, lo, hi = estimate(pseudo(tot[num], tot[den] if den else None) * k)
        close(row[key], m, f"plan {row['name']} hour {h} {key}")
        close(row[key + "_ci_high"], hi, f"plan {row['name']} hour {h} {key}_ci_high")
    check(row["pacing_rmse"] == "", "no pacing per hour")

# tables fit an 80-column terminal
for args in ((), ("--hourly",), ("--by", "product"), ("--by", "shop", "--all"), ("--by", "day"),
             ("--by", "segment"), ("--by", "variant")):
    check_width(run("report", REAL, *args).stdout, "report " + " ".join(args))

# a sweep: the swept keys are columns with their values, the targets follow
# the swept target, and compare --summary gives one line per (variant, plan)
S_ = load(SWEEP)
check(S_["sweep_keys"] == ["plans[Open].strategy.params.target", "plans[Capped].cap"], f"sweep keys {S_['sweep_keys']}")
doc = json.loads(run("report", SWEEP, "--format", "json").stdout)
check(len(doc) == len(S_["variants"]) * len(listed), "a row per point and plan")
for row in doc:
    v, p = S_["variants"].index(row["variant"]), S_["names"].index(row["name"])
    for k, key in enumerate(S_["sweep_keys"]):
        close(row[key], float(S_["sweep_values"][v][k]), f"{row['variant']} {key}")
    compare_row(row, figures(S_, v, [p], ALLD), f"sweep {row['variant']} {row['name']}")
table = run("report", SWEEP, "--plan", "Open").stdout
check("target" in table and "cap" in table, "the sweep table's columns are the swept keys")
check_width(table, "sweep table")
base = 0
doc = json.loads(run("compare", SWEEP, "--baseline", str(base), "--summary", "--format", "json").stdout)
check(len(doc) == (len(S_["variants"]) - 1) * len(listed), f"compare --summary rows: {len(doc)}")
for row in doc:
    v, p = S_["variants"].index(row["variant"]), S_["names"].index(row["name"])
    a, b = figures(S_, base, [p], ALLD), figures(S_, v, [p], ALLD)
    for key in ("orders", "spend_yuan", "roi"):
        m, lo, hi = paired(a[key], b[key])
        close(row[key + "_diff"], m, f"summary {row['variant']} {row['name']} {key}")
        close(row[key + "_ci_low"], lo, f"summary {row['variant']} {row['name']} {key}_ci_low")
        close(row[key + "_ci_high"], hi, f"summary {row['variant']} {row['name']} {key}_ci_high")
        close(row[key + "_baseline"], estimate(a[key])[0], f"summary {row['name']} {key}_baseline")
    close(row["plans[Capped].cap"], float(S_["sweep_values"][v][1]), "summary carries B's swept values")
out = run("compare", SWEEP, "--baseline", "0", "--summary").stdout
check_width(out, "compare --summary")
check(len([ln for ln in out.splitlines() if ln.startswith("  ") and "Open" in ln]) == len(S_["variants"]) - 1,
      "one table line per (variant, plan)")
doc = json.loads(run("compare", SWEEP, "--baseline", "0", "--variant", "3", "--days", "1", "--plan", "Capped",
                     "--format", "json").stdout)
check(len(doc) == STATS, "compare --plan --days: one plan's metrics")
for row in doc:
    a, b = figures(S_, 0, [S_["names"].index("Capped")], [1]), figures(S_, 3, [S_["names"].index("Capped")], [1])
    if row["metric"] in a and row["metric"] in b:
        close(row["diff"], paired(a[row["metric"]], b[row["metric"]])[0], f"compare day 1 {row['metric']}")

# compare by slot: the summary's default figures are what /plan_slot holds
doc = json.loads(run("compare", SWEEP, "--baseline", "0", "--variant", "1", "--by", "slot", "--summary",
                     "--format", "json").stdout)
K = S_["slot"]["clicks"].shape[3]
check(len(doc) == len(listed) * K, f"compare --by slot --summary rows: {len(doc)}")
check(all("exposures_diff" in r and "ctr_diff" in r and "orders_diff" not in r for r in doc),
      "compare --by slot --summary: exposures, clicks, CTR")
for row in doc:
    p, k = S_["names"].index(row["name"]), row["slot"] - 1
    for key in ("exposures", "clicks", "ctr"):
        m, lo, hi = paired(slot_figures(S_, 0, [p], ALLD, k)[key], slot_figures(S_, 1, [p], ALLD, k)[key])
        close(row[key + "_diff"], m, f"compare by slot {row['name']} {row['slot']} {key}")
        close(row[key + "_ci_low"], lo, f"compare by slot {row['name']} {row['slot']} {key}_ci_low")
check_width(run("compare", SWEEP, "--baseline", "0", "--by", "slot", "--summary").stdout, "compare --by slot --summary")

# compare by day: the paired differences of each day's cell
doc = json.loads(run("compare", SWEEP, "--baseline", "0", "--variant", "1", "--by", "day", "--summary",
                     "--format", "json").stdout)
check(len(doc) == len(listed) * D, f"compare --by day --summary rows: {len(doc)}")
for row in doc:
    p, t = S_["names"].index(row["name"]), S_["days"].index(row["day"])
    m, lo, hi = paired(figures(S_, 0, [p], [t])["spend_yuan"], figures(S_, 1, [p], [t])["spend_yuan"])
    close(row["spend_yuan_diff"], m, f"compare by day {row['name']} {row['day']} spend")
    close(row["spend_yuan_ci_high"], hi, f"compare by day {row['name']} {row['day']} spend ci_high")

# compare on the synthetic two-variant file: paired differences
Y_ = load(SYNTH)
sd = Y_["ps"]["clicks"].shape[2]
out = run("compare", SYNTH, "--baseline", "base", "--variant", "higher", "--format", "json").stdout
doc = json.loads(out)
check(len(doc) == STATS * int(Y_["listed"].sum()), f"compare rows: {len(doc)}")
for row in doc:
    p = Y_["names"].index(row["name"])
    a, b = figures(Y_, 0, [p], list(range(sd))), figures(Y_, 1, [p], list(range(sd)))
    if row["metric"] not in a or row["metric"] not in b:
        check(row["n"] == 0, f"{row['name']} {row['metric']}: undefined, n = 0")
        continue
    m, lo, hi = paired(a[row["metric"]], b[row["metric"]])
    what = f"compare {row['name']} {row['metric']}"
    close(row["diff"], m, what)
    close(row["baseline_mean"], estimate(a[row["metric"]])[0], what + " baseline_mean")
    close(row["variant_mean"], estimate(b[row["metric"]])[0], what + " variant_mean")
    close(row["ci_low"], lo, what + " ci_low")
    close(row["ci_high"], hi, what + " ci_high")
    check(row["significant"] == (1 if lo > 0 or hi < 0 else 0), what + " significance flag")
    check(row["p_value"] is None or 0 <= row["p_value"] <= 1, what + " p in [0, 1]")
    if lo > 0 or hi < 0:
        check(row["p_value"] < 0.05, what + ": interval excludes 0 but p >= 0.05")
# the synthetic P1 spends nothing in replicate 0: its ROI is still the
# ratio of the totals over all four replicates, and compare's baseline is
# report's figure
doc_r = json.loads(run("report", SYNTH, "--format", "json").stdout)
p1 = [r for r in doc_r if r["name"] == "P1" and r["variant"] == "base"][0]
sps = {m: Y_["ps"][m].sum(axis=(2, 4)) for m in METRICS}   # (V, R, P) over days
p = Y_["names"].index("P1")
check(sps["spend_li"][0, 0, p] == 0, "synthetic P1 has no spend in replicate 0")
close(p1["roi"], sps["order_value_li"][0, :, p].sum() / sps["spend_li"][0, :, p].sum(), "P1 ROI = total / total")
check(p1["roi_n"] == 4, f"P1 ROI uses every replicate: n = {p1['roi_n']}")
c1 = [r for r in doc if r["name"] == "P1" and r["metric"] == "roi"][0]
close(c1["baseline_mean"], p1["roi"], "compare's baseline ROI is report's")
# plot's ROI and CPC figure uses the same estimator (its t quantile comes
# from a table: within 0.1% at 3 degrees of freedom)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
import plot  # noqa: E402
for row in doc_r:
    if row["variant"] != "base":
        continue
    q = Y_["names"].index(row["name"])
    for key, num, den, k in (("roi", "order_value_li", "spend_li", 1.0), ("cpc_yuan", "spend_li", "clicks", 1e-3)):
        m, half = plot.ratio_ci(sps[num][0, :, q] * k, sps[den][0, :, q])
        close(m, row[key], f"plot's {key} of {row['name']} is report's", 1e-12)
        close(half, row[key + "_ci_high"] - row[key], f"plot's {key} interval of {row['name']}", 1e-3)
rows = as_csv(run("compare", SYNTH, "--baseline", "0", "--format", "csv").stdout)
check(len(rows) == len(doc), "compare CSV and JSON have the same rows")
check_width(run("compare", SYNTH, "--baseline", "base").stdout, "compare table")

# table layout: a cap hit in the day's last seconds reads 23:59, not 24:00;
# a table too wide for 80 columns whatever is cut keeps its labels whole
late = os.path.join(TMP, "late.h5")
with open(SYNTH, "rb") as src, open(late, "wb") as dst:
    dst.write(src.read())
with h5py.File(late, "r+") as f:
    a = f["plan/cap_hit_s"][...]
    a[a >= 0] = 86399
    f["plan/cap_hit_s"][...] = a
out = run("report", late, "--plan", "P0").stdout
check("23:59" in out and "24:00" not in out, "a hit at 23:59:59 is shown as 23:59")
LONG, LONGER = "a_variant_with_a_long_descriptive_name", "fixed_bids_for_the_first_plan_and_a_name_past_forty_columns"
out = run("report", VARIANTS, "--by", "variant", "--plan", "Capped",
          "--stats", "spend_yuan,orders,roi,pacing_rmse,capped_share,cpa_yuan").stdout
rows = [ln.split()[0] for ln in out.splitlines() if ln.startswith("  a_") or ln.startswith("  fixed")]
# six columns do not fit 80 however the labels are cut: labels stay whole
# up to 40 columns, and the longer one is cut at 40
check(rows == [LONG, LONGER[:39] + "~"], f"labels whole to 40 columns when nothing fits: {rows}")
out = run("report", VARIANTS, "--by", "variant", "--plan", "Capped", "--stats", "spend_yuan,orders,roi,pacing_rmse").stdout
check_width(out, "four columns of long variant names")
rows = [ln.split()[0] for ln in out.splitlines() if ln.startswith("  a_") or ln.startswith("  fixed")]
check(len(rows) == 2 and all(r.endswith("~") for r in rows), f"labels cut to fit 80 columns: {rows}")

# bad input: exit 2, one line on stderr, never a traceback
bad_text = os.path.join(TMP, "text.h5")
with open(bad_text, "w") as f:
    f.write("not hdf5\n")
trunc = os.path.join(TMP, "trunc.h5")
with open(REAL, "rb") as src, open(trunc, "wb") as dst:
    dst.write(src.read(4000))
newer = os.path.join(TMP, "newer.h5")
with open(REAL, "rb") as src, open(newer, "wb") as dst:
    dst.write(src.read())
with h5py.File(newer, "r+") as f:
    f.attrs.modify("format_version", np.uint64(4))  # one past the current format version
older = os.path.join(TMP, "older.h5")
with open(REAL, "rb") as src, open(older, "wb") as dst:
    dst.write(src.read())
with h5py.File(older, "r+") as f:
    f.attrs.modify("format_version", np.uint64(2))  # the version before: written by an older bidsim
figs = os.path.join(TMP, "figs")
for bad in (bad_text, trunc, newer, older, os.path.join(TMP, "missing.h5")):
    for cmd in (["report", bad], ["compare", bad, "--baseline", "0"], ["plot", bad, "-o", figs]):
        p_ = run(*cmd, ok=2)
        err = p_.stderr.strip().splitlines()
        check(len(err) == 1 and err[0].startswith(f"bidsim {cmd[0]}: error: "), f"{cmd}: stderr {p_.stderr!r}")
        check("Traceback" not in p_.stderr, f"{cmd}: a traceback")
check("newer" in run("report", newer, ok=2).stderr, "the version error says the file is newer")
for cmd in (["report", older], ["compare", older, "--baseline", "0"], ["plot", older, "-o", figs],
            ["merge", older, "-o", os.path.join(TMP, "merged.h5")]):
    err = run(*cmd, ok=2).stderr
    check("written by an older bidsim: rerun" in err and err.count("\n") == 1,
          f"{cmd[0]} of a version 2 file says to rerun, in one line: {err!r}")
run("compare", REAL, "--baseline", "0", ok=2)                       # one variant: nothing to compare
run("compare", SYNTH, "--baseline", "base", "--variant", "base", ok=2)
run("report", SYNTH, "--variant", "nope", ok=2)
run("report", SYNTH, "--by", "campaign", ok=2)
run("report", SYNTH, "--day", "9", ok=2)
run("report", SYNTH, "--by", "product", "--hourly", ok=2)
for cmd in ("report", "compare", "plot"):
    check("SYNOPSIS" in run(cmd, "--help").stdout, f"{cmd} --help")

finish("report and compare")
