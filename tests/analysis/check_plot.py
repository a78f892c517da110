"""End-to-end checks of `bidsim plot` (called by tests/analysis/test_plot.sh
with Debian's /usr/bin/python3): the figures each file has are written as
real PNGs and nothing is printed on stderr - above all no "Glyph ...
missing from current font" for the Chinese names (install fonts-noto-cjk);
--plan, --shop and --days select the data the figures draw (plot.load
against h5py); the paired-differences figure's intervals are those of
`bidsim compare`, and its unpaired interval is Welch's by hand; bad
arguments give exit 2 and one line.
usage: check_plot.py BIDSIM TMPDIR (with TMPDIR/{cjk,sweep,synth}.h5)"""
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "analysis"))
from checks import check, finish  # noqa: E402
from resultfile import labels  # noqa: E402
import plot  # noqa: E402
import plot_stats  # noqa: E402
import plot_variants  # noqa: E402

BIN, TMP = sys.argv[1:3]
BASE = ["cumulative_spend", "hourly_exposures", "cap_hit_times", "roi_cpc"]


def run(*args, ok=0):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    check(p.returncode == ok, f"{' '.join(args)}: exit {p.returncode}, expected {ok}: {p.stderr.strip()[:400]}")
    return p


def figures(h5, out, *args, expect):
    """plot into out; the printed paths are the expected figures, each a
    PNG of a reasonable size, and stderr is empty"""
    p = run("plot", h5, "-o", out, *args)
    check(p.stderr == "", f"plot {os.path.basename(h5)} {' '.join(args)} printed on stderr: {p.stderr[:600]!r}")
    check("missing from current font" not in p.stderr, "a CJK glyph is missing: install fonts-noto-cjk")
    names = [os.path.basename(x)[:-4] for x in p.stdout.split()]
    check(names == expect, f"plot {os.path.basename(h5)} {' '.join(args)} wrote {names}, expected {expect}")
    for name in names:
        with open(os.path.join(out, name + ".png"), "rb") as f:
            head = f.read(24)
        w, h = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        check(head[:8] == b"\x89PNG\r\n\x1a\n" and w >= 600 and h >= 400, f"{name}.png: not a PNG figure ({w}x{h})")


cjk, sweep, synth = (os.path.join(TMP, n + ".h5") for n in ("cjk", "sweep", "synth"))
figures(cjk, os.path.join(TMP, "f_cjk"), expect=BASE + ["variants_spend", "paired_differences", "daily_trend"])
figures(cjk, os.path.join(TMP, "f_cjk1"), "--days", "2026-11-11", "--plan", "家居爆款", "--variant", "预算翻倍",
        expect=BASE + ["variants_spend", "paired_differences"])
figures(sweep, os.path.join(TMP, "f_sweep"), expect=BASE + ["variants_spend", "paired_differences", "sweep"])
figures(synth, os.path.join(TMP, "f_synth"), expect=BASE + ["variants_spend", "paired_differences", "daily_trend"])

# the data drawn: plot.load with plans and days against the datasets
with h5py.File(cjk, "r") as f:
    names = labels(f["plan/plan"])
    spend = f["plan_segment/spend"][...].sum(axis=4)             # V, R, D, P (li)
    hours = f["plan_hour/spend"][...]                            # V, R, D, 24, P (li)
    caps = f["variant/cap"][...]                                 # li
i = names.index("厨房推广")
d = plot.load(cjk, 1, baseline=0, plans=[i], days=(1, 2))
check(d["names"] == ["厨房推广"] and d["days"] == ["2026-11-11", "2026-11-12"], "load keeps the plan and days asked")
check(np.array_equal(d["day_spend_li"][:, :, :, 0], spend[:, :, 1:3, i]), "daily spend of the plan and days")
check(np.array_equal(d["hour_spend_li"][..., 0], hours[1, :, 1:3, :, i]), "variant 1's hours of the days")
check(np.allclose(d["cum_spend"][2, 1:, 0], hours[2, :, 1:3, :, i].cumsum(axis=2).mean(axis=(0, 1)) / 1000),
      "mean cumulative spend of variant 2")
j = names.index("家居爆款")
d = plot.load(cjk, 0, plans=[j])
check(list(d["caps"][:, 0]) == [c / 1000 for c in caps[:, j]], f"each variant's cap: {d['caps'][:, 0]}")

# the paired figure's intervals are compare's; the unpaired one is Welch's
doc = json.loads(run("compare", cjk, "--baseline", "0", "--summary", "--format", "json").stdout)
d = plot.load(cjk, 0)
for row in doc:
    v, p = d["variants"].index(row["variant"]), d["names"].index(row["name"])
    for metric, key in (("orders", "orders"), ("spend", "spend_yuan"), ("roi", "roi")):
        a, b = plot_variants.figure_values(d, 0, p, metric), plot_variants.figure_values(d, v, p, metric)
        m, h = plot_stats.paired_ci(a, b)
        if row[key + "_diff"] is None:
            check(math.isnan(m), f"{row['name']} {row['variant']} {key}: undefined in both")
            continue
        check(abs(m - row[key + "_diff"]) <= 1e-9 * max(1, abs(m)), f"paired {key} {row['name']}: {m} vs compare")
        # the t table is to 3 decimals: the half-width within 0.1%
        ch = (row[key + "_ci_high"] - row[key + "_ci_low"]) / 2
        check(abs(h - ch) <= 1e-3 * max(ch, 1e-12), f"paired {key} half-width {row['name']}: {h} vs compare {ch}")
a, b = np.array([1.0, 2.0, 4.0, 7.0]), np.array([2.0, 2.5, 6.0, 10.0])
va, vb = a.var(ddof=1) / 4, b.var(ddof=1) / 4
df = (va + vb) ** 2 / (va ** 2 / 3 + vb ** 2 / 3)    # Welch-Satterthwaite: 5.43
m, h = plot_stats.unpaired_ci(a, b)
check(abs(m - 1.625) < 1e-12, f"unpaired mean difference {m}")
check(abs(h - plot_stats.t975(df) * math.sqrt(va + vb)) < 1e-12 and 2.447 < plot_stats.t975(df) < 2.571,
      f"Welch half-width {h} at df {df}")
check(plot_stats.paired_ci(a, b)[1] < h, "pairing these values narrows the interval")

# bad arguments: exit 2, one line
for bad in (("--plan", "Nope"), ("--shop", "Nope"), ("--days", "3:1"), ("--baseline", "nope")):
    p = run("plot", cjk, "-o", os.path.join(TMP, "bad"), *bad, ok=2)
    check(len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr, f"plot {bad}: {p.stderr!r}")
check("SYNOPSIS" in run("plot", "--help").stdout, "plot --help")

finish("plot")
