"""End-to-end checks of `bidsim report`, `compare` and `plot` (called by
tests/analysis/test_report_cli.sh with Debian's /usr/bin/python3): every
figure of the CSV and JSON outputs is recomputed here from the datasets
with h5py and numpy: means per day, ratios of means (CTR, CPC, CVR, ROI,
cap-hit time) with their delta-method intervals through per-replicate
linearisation, 95% Student-t intervals with the tabulated t quantile; both formats must parse with the
standard library's csv and json modules; tables fit 80 columns; bad files
give exit 2 with a one-line message.
usage: check_report.py BIDSIM RESULT.h5 SYNTH.h5 TMPDIR"""
import csv
import importlib.util
import io
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from checks import check, finish  # noqa: E402
from resultfile import labels  # noqa: E402

T975 = {1: 12.706204736174698, 2: 4.302652729911275, 3: 3.182446305284263,
        9: 2.262157162740991}   # t(0.975, df), standard table
METRICS = ("exposures", "clicks", "spend", "conversions", "order_value")
YUAN_PER_LI = 1e-3   # replaced by the file's scale_factor when it is read



def run(*args, ok=0):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    check(p.returncode == ok, f"{' '.join(args)}: exit {p.returncode}, expected {ok}: {p.stderr.strip()[:300]}")
    return p


def close(a, b, what, rel=1e-9):
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        check((a is None or a == "") and (b is None or math.isnan(b)), f"{what}: {a!r} vs {b!r}")
        return
    check(abs(float(a) - b) <= rel * max(1.0, abs(b)), f"{what}: {a} vs expected {b}")


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


def stats(tot, days, cap_hits=None):
    """every figure as per-replicate values whose mean and t interval are
    the report's: tot[metric] is an array over replicates of totals over the
    selected days"""
    def fig(num, den=None, k=1.0):
        return pseudo(num, den) * k
    out = {
        "exposures": fig(tot["exposures"], k=1 / days),
        "clicks": fig(tot["clicks"], k=1 / days),
        "spend_yuan": fig(tot["spend"], k=YUAN_PER_LI / days),
        "orders": fig(tot["conversions"], k=1 / days),
        "order_value_yuan": fig(tot["order_value"], k=YUAN_PER_LI / days),
        "ctr": fig(tot["clicks"], tot["exposures"]),
        "cpc_yuan": fig(tot["spend"], tot["clicks"], YUAN_PER_LI),
        "cvr": fig(tot["conversions"], tot["clicks"]),
        "roi": fig(tot["order_value"], tot["spend"]),
    }
    if cap_hits is not None:   # (R, days) seconds, -1 = not hit
        hit = cap_hits >= 0
        out["cap_hit_hour"] = fig(np.where(hit, cap_hits, 0).sum(axis=1), hit.sum(axis=1), 1 / 3600)
        out["cap_hit_share"] = fig(hit.sum(axis=1), k=1 / days)
    return out


def compare_row(row, expected, what):
    for key, values in expected.items():
        m, lo, hi = estimate(values)
        close(row[key], m, f"{what} {key}")
        close(row[key + "_ci_low"], lo, f"{what} {key}_ci_low")
        close(row[key + "_ci_high"], hi, f"{what} {key}_ci_high")
        n = int(np.sum(~np.isnan(values)))
        check(row[key + "_n"] in (n, str(n)), f"{what} {key}_n: {row[key + '_n']}, expected {n}")


def as_csv(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    check(len(rows) > 0, "CSV has rows")
    return rows


def check_width(text, what):
    # the "results: PATH" line is as long as the path
    widest = max((len(line) for line in text.splitlines() if not line.startswith("results: ")), default=0)
    check(widest <= 80, f"{what}: a table line is {widest} columns wide")


BIN, REAL, SYNTH, TMP = sys.argv[1:5]

with h5py.File(REAL, "r") as f:
    YUAN_PER_LI = float(f["plan_segment/spend"].attrs["scale_factor"])     # money: li, CF-scaled to yuan
    ps = {m: f["plan_segment/" + m][...].sum(axis=4) for m in METRICS}      # (V, R, D, P), exact integers
    ph = {m: f["plan_hour/" + m][...] for m in METRICS}                     # (V, R, D, 24, P)
    pr = {m: f["product/" + m][...] for m in METRICS}                       # (V, R, D, Q)
    cap_hit = f["plan/cap_hit_s"][...]
    names = labels(f["plan/plan"])
    shops = labels(f["plan/shop"])
    listed = f["plan/listed"][...] == 1
    capped = f["plan/cap"][...] < np.iinfo(np.int64).max
    pnames = labels(f["product/product"])
    pshops = labels(f["product/shop"])
    days_labels = labels(f["plan/day"])
V, R, D, P = ps["clicks"].shape

# --by plan, CSV: every listed plan, every figure
out = run("report", REAL, "--format", "csv").stdout
rows = as_csv(out)
check([r["name"] for r in rows] == [n for n, l in zip(names, listed) if l], "report rows are the listed plans")
for row in rows:
    p = names.index(row["name"])
    tot = {m: ps[m][0, :, :, p].sum(axis=1) for m in METRICS}
    exp = stats(tot, D, cap_hit[0, :, :, p] if capped[p] else None)
    compare_row(row, exp, f"plan {row['name']}")
    check(row["replicates"] == str(R) and row["days"] == str(D) and row["day"] == "all", "row header fields")
    if not capped[p]:
        check(row["cap_hit_share"] == "", f"{row['name']}: no cap, no cap figures")

# --by shop --day 1, JSON
doc = json.loads(run("report", REAL, "--by", "shop", "--day", "1", "--format", "json").stdout)
check(isinstance(doc, list) and len(doc) == len({s for s, l in zip(shops, listed) if l}), "one JSON object per shop")
for row in doc:
    sel = [p for p in range(P) if listed[p] and shops[p] == row["name"]]
    tot = {m: ps[m][0, :, 1, sel].sum(axis=0) for m in METRICS}
    compare_row(row, stats(tot, 1), f"shop {row['name']} day 1")
    check(row["day"] == days_labels[1] and row["hour"] is None, "JSON day label and null hour")
    check(row["cap_hit_hour"] is None, "shops have no cap figures (null)")
# the same day by its date label gives the same document
doc2 = json.loads(run("report", REAL, "--by", "shop", "--day", days_labels[1], "--format", "json").stdout)
check(doc == doc2, "--day by index and by date agree")

# --by product, JSON: the listed shops' products
doc = json.loads(run("report", REAL, "--by", "product", "--format", "json").stdout)
own = {s for s, l in zip(shops, listed) if l}
check([r["name"] for r in doc] == [n for n, s in zip(pnames, pshops) if s in own], "products of the listed shops")
for row in doc:
    q = pnames.index(row["name"])
    tot = {m: pr[m][0, :, :, q].sum(axis=1) for m in METRICS}
    compare_row(row, stats(tot, D), f"product {row['name']}")

# --hourly, CSV: 24 rows per plan from the plan x hour table
rows = as_csv(run("report", REAL, "--hourly", "--format", "csv").stdout)
check(len(rows) == 24 * listed.sum(), f"hourly rows: {len(rows)}")
for row in rows:
    p, h = names.index(row["name"]), int(row["hour"])
    tot = {m: ph[m][0, :, :, h, p].sum(axis=1) for m in METRICS}
    compare_row(row, stats(tot, D), f"plan {row['name']} hour {h}")

# tables fit an 80-column terminal
for args in ((), ("--hourly",), ("--by", "product"), ("--by", "shop", "--all")):
    check_width(run("report", REAL, *args).stdout, "report " + " ".join(args))

# compare on the synthetic two-variant file: paired differences
with h5py.File(SYNTH, "r") as f:
    sps = {m: f["plan_segment/" + m][...].sum(axis=(2, 4)) for m in METRICS}   # (V, R, P) over days
    sd = f["plan_segment/clicks"].shape[2]
    snames = labels(f["plan/plan"])
    scap = f["plan/cap_hit_s"][...]
    scapped = f["plan/cap"][...] < np.iinfo(np.int64).max
    slisted = f["plan/listed"][...] == 1
out = run("compare", SYNTH, "--baseline", "base", "--variant", "higher", "--format", "json").stdout
doc = json.loads(out)
check(len(doc) == 11 * slisted.sum(), f"compare rows: {len(doc)}")
for row in doc:
    p = snames.index(row["name"])
    a = stats({m: sps[m][0, :, p] for m in METRICS}, sd, scap[0, :, :, p] if scapped[p] else None)
    b = stats({m: sps[m][1, :, p] for m in METRICS}, sd, scap[1, :, :, p] if scapped[p] else None)
    if row["metric"] not in a:
        check(row["n"] == 0, f"{row['name']} {row['metric']}: undefined, n = 0")
        continue
    # the difference of the pseudo-values: its mean is R_B - R_A
    d = [y - x for x, y in zip(a[row["metric"]], b[row["metric"]]) if not (math.isnan(x) or math.isnan(y))]
    m, lo, hi = estimate(d)
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
p = snames.index("P1")
check(sps["spend"][0, 0, p] == 0, "synthetic P1 has no spend in replicate 0")
close(p1["roi"], sps["order_value"][0, :, p].sum() / sps["spend"][0, :, p].sum(), "P1 ROI = total / total")
check(p1["roi_n"] == 4, f"P1 ROI uses every replicate: n = {p1['roi_n']}")
c1 = [r for r in doc if r["name"] == "P1" and r["metric"] == "roi"][0]
close(c1["baseline_mean"], p1["roi"], "compare's baseline ROI is report's")
# plot's ROI and CPC figure uses the same estimator (its t quantile comes
# from a table: within 0.1% at 3 degrees of freedom)
spec = importlib.util.spec_from_file_location(
    "plot", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis", "plot.py"))
plot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot)
for row in doc_r:
    if row["variant"] != "base":
        continue
    q = snames.index(row["name"])
    for key, num, den, k in (("roi", "order_value", "spend", 1.0), ("cpc_yuan", "spend", "clicks", YUAN_PER_LI)):
        m, half = plot.ratio_ci(sps[num][0, :, q] * k, sps[den][0, :, q])
        close(m, row[key], f"plot's {key} of {row['name']} is report's", 1e-12)
        close(half, row[key + "_ci_high"] - row[key], f"plot's {key} interval of {row['name']}", 1e-3)
rows = as_csv(run("compare", SYNTH, "--baseline", "0", "--format", "csv").stdout)
check(len(rows) == len(doc), "compare CSV and JSON have the same rows")
check_width(run("compare", SYNTH, "--baseline", "base").stdout, "compare table")

# bad input: exit 2, one line on stderr, never a traceback
text = os.path.join(TMP, "text.h5")
with open(text, "w") as f:
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
for bad in (text, trunc, newer, older, os.path.join(TMP, "missing.h5")):
    for cmd in (["report", bad], ["compare", bad, "--baseline", "0"], ["plot", bad, "-o", figs]):
        p = run(*cmd, ok=2)
        err = p.stderr.strip().splitlines()
        check(len(err) == 1 and err[0].startswith(f"bidsim {cmd[0]}: error: "), f"{cmd}: stderr {p.stderr!r}")
        check("Traceback" not in p.stderr, f"{cmd}: a traceback")
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

# plot: four PNGs, real images
for src in (REAL, SYNTH):
    out = run("plot", src, "-o", figs).stdout.split()
    check(len(out) == 4, f"plot printed {out}")
    for png in out:
        with open(png, "rb") as f:
            head = f.read(24)
        w, h = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        check(head[:8] == b"\x89PNG\r\n\x1a\n" and w >= 600 and h >= 400, f"{png}: not a PNG figure ({w}x{h})")

finish("report, compare and plot")
