#!/usr/bin/python3
"""The curves of a bid landscape (bidsim landscape --plot DIR).

    /usr/bin/python3 analysis/landscape_plot.py DIR/landscape.csv -o DIR --plan NAME --xlabel TEXT [--current X]

Reads the CSV that `bidsim landscape --format csv` writes and draws
DIR/landscape.png: each metric against the swept value, the 95% interval
as a band, the scenario's current setting as a dashed line. Skipped points
(a platform rule broken) are left out. Exit 0 ok, 1 the figure could not be
written, 2 a bad or empty CSV.
"""
import argparse
import csv
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display; must precede the pyplot import
import matplotlib.pyplot as plt  # noqa: E402

from plot_fonts import has_cjk, use_cjk_font  # noqa: E402

PANELS = [("exposures", "exposures / day", 1), ("clicks", "clicks / day", 1), ("spend", "spend / day (yuan)", 1),
          ("orders", "orders / day", 1), ("order_value", "order value / day (yuan)", 1), ("roi", "ROI", 1),
          ("cpc", "CPC (yuan)", 1), ("top_share", "top-slot share (%)", 100),
          ("marginal_cpc", "marginal CPC (yuan / click)", 1), ("marginal_roi", "marginal ROI", 1)]


def num(s):
    return float(s) if s not in ("", None) else float("nan")


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("-o", dest="out", required=True)
    ap.add_argument("--plan", default="")
    ap.add_argument("--xlabel", default="value")
    ap.add_argument("--current", type=float, default=None)
    a = ap.parse_args(argv[1:])
    try:
        with open(a.csv, newline="", encoding="utf-8") as f:
            rows = [r for r in csv.DictReader(f) if r.get("skipped") == "0"]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        print(f"bidsim landscape: error: {a.csv}: {e}", file=sys.stderr)
        return 2
    if not rows or "value" not in rows[0]:
        print(f"bidsim landscape: error: {a.csv}: no simulated point to draw", file=sys.stderr)
        return 2
    if has_cjk(a.plan) and use_cjk_font() is None:
        print("bidsim landscape: warning: no CJK font found (install fonts-noto-cjk): the plan's name will show "
              "as empty boxes", file=sys.stderr)
    x = [num(r["value"]) for r in rows]
    fig, axes = plt.subplots(2, 5, figsize=(20, 7.5), constrained_layout=True)
    for ax, (key, label, k) in zip(axes.flat, PANELS):
        y = [num(r[key]) * k for r in rows]
        lo = [num(r[key + "_lo"]) * k for r in rows]
        hi = [num(r[key + "_hi"]) * k for r in rows]
        ax.fill_between(x, lo, hi, color="tab:blue", alpha=0.25, linewidth=0, label="95% interval")
        ax.plot(x, y, color="tab:blue", marker="o", markersize=2.5, linewidth=1.2, label="mean")
        if key.startswith("marginal") and all(math.isnan(v) for v in y):
            ax.text(0.5, 0.5, "undefined at every point:\nthe denominator does not move\nbeyond its noise "
                    "(a binding cap?)", transform=ax.transAxes, ha="center", va="center", fontsize=9,
                    color="0.35")
            ax.set_yticks([])
            ax.set_xlim(min(x), max(x))
        if a.current is not None:
            ax.axvline(a.current, color="tab:red", linestyle="--", linewidth=1, label="current setting")
        ax.set_xlabel(a.xlabel)
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8, loc="upper left")
    fig.suptitle(f"landscape of plan {a.plan!r}: per day, mean and 95% interval over replicates "
                 "(marginals from the previous point)", fontsize=11)
    path = os.path.join(a.out, "landscape.png")
    tmp = path + ".tmp.%d.png" % os.getpid()
    try:
        fig.savefig(tmp, dpi=100)
        os.replace(tmp, path)
    except OSError as e:
        print(f"bidsim landscape: error: {path}: {e}", file=sys.stderr)
        return 1
    print(f"bidsim landscape: wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
