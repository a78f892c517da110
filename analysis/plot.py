#!/usr/bin/python3
"""PNG figures from a bidsim result file (format: docs/output-format.md).

Run with Debian's interpreter, which has h5py, numpy, matplotlib and PyYAML:

    /usr/bin/python3 analysis/plot.py RESULT.h5 -o DIR [--variant NAME | --variant-index I] [--dpi N]

Only listed plans (/plan/listed == 1) are drawn; generated competitors are not.
Counters are checked as `bidsim report` checks them, and a file whose arrays
would not fit in MAX_BYTES is refused before anything is read. Names longer
than LABEL_CHARS are cut in the figures.
Exit status: 0 ok, 1 an output file could not be written (or a figure could
not be drawn: one line, BIDSIM_PLOT_DEBUG=1 for the traceback), 2 bad
arguments or an unreadable / invalid result file.
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display; must precede the pyplot import
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MultipleLocator  # noqa: E402
import numpy as np  # noqa: E402

try:
    import h5py
    import yaml
except ImportError as e:  # the first python3 on PATH lacks these
    sys.exit(f"bidsim plot: error: {e}; run with /usr/bin/python3")

UNLIMITED = np.iinfo(np.int64).max  # /plan/cap value (li) meaning "no cap"
LI_PER_YUAN = 1000.0
HOURS = np.arange(25)  # hour boundaries 0..24 for cumulative curves
MAX_BYTES = 4 << 30  # plot holds its arrays in memory; a file needing more is refused (exit 2)
INT64_MAX = int(np.iinfo(np.int64).max)  # no sum of a replicate's counters may pass it
LABEL_CHARS = 40  # plan and variant names are cut to this many characters in figures

# Two-sided 95% Student-t quantiles t(0.975, df) for df 1..30, then the
# usual table rows 40, 60, 120 and infinity (1.96); between rows we
# interpolate linearly in 1/df, which is within 0.002 of the exact value.
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447,
        7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179,
        13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101,
        19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064,
        25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042,
        40: 2.021, 60: 2.000, 120: 1.980}


def t975(df):
    """Student-t 97.5% quantile (half-width factor of a 95% CI)."""
    if df in T975:
        return T975[df]
    rows = [30, 40, 60, 120]
    for lo, hi in zip(rows, rows[1:]):
        if lo < df < hi:
            w = (1 / lo - 1 / df) / (1 / lo - 1 / hi)
            return T975[lo] + w * (T975[hi] - T975[lo])
    return 1.96 + (T975[120] - 1.96) * 120 / df  # df > 120, towards 1.96


class InputError(Exception):
    """The result file cannot be used; the message is the reason."""


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def labels(ds, index=()):
    """the strings of a char-array label dataset (format 3: netCDF's char
    arrays, one UTF-8 label per row of bytes), rows `index` only"""
    a = np.asarray(ds[index])
    if a.dtype.kind != "S" or a.ndim < 1:
        raise InputError(f"{ds.name} is not a char array of labels (a damaged file, or not bidsim's)")
    return [b"".join(row).decode(errors="replace") for row in a.reshape(-1, a.shape[-1])]


def diurnal_curve(scenario):
    """the scenario's 24-hour traffic shares, or None when the resolved
    scenario does not carry one (files not written by `bidsim run`)"""
    try:
        return np.asarray(scenario["traffic"]["diurnal"], dtype=float)
    except (TypeError, KeyError):
        return None


def short(name, limit=LABEL_CHARS):
    """a label that fits a figure: names longer than `limit` characters are
    cut (bidsim writes at most 63 bytes; a crafted file may hold megabytes,
    which the renderer cannot draw)"""
    return name if len(name) <= limit else name[:limit - 1] + "\u2026"


def counts(f, path, index, what="count"):
    """The selection `index` of dataset `path`, checked as analysis/reptable.c
    checks what it reads: integers; for counts none negative and each
    replicate's values (the selection's first axis) summing to at most
    INT64_MAX, so that no sum taken later can overflow; for what="cap_hit"
    (cap_hit_s) -1 (not hit) or seconds in [0, 86400)."""
    ds = f[path]
    if ds.dtype.kind not in "iu":
        raise InputError(f"/{path} holds {ds.dtype} values, not counts (a damaged file, or not bidsim's)")
    a = ds[index]
    if what == "cap_hit":
        bad = (a < -1) | (a >= 86400)
        if bad.any():
            raise InputError(f"/{path} holds {a[bad].flat[0]}, neither -1 (not hit) nor a time of day in "
                             "[0, 86400) seconds (a damaged file, or not bidsim's)")
        return a
    if (a < 0).any():
        raise InputError(f"/{path} holds {a[a < 0].flat[0]}, not a count (a damaged file, or not bidsim's)")
    units = a.reshape(a.shape[0], -1)
    # a float sum below 2^62 is certainly below 2^63; the rare others exactly
    for u in np.flatnonzero(units.sum(axis=1, dtype=np.float64) >= 2.0 ** 62):
        if sum(int(x) for x in units[u]) > INT64_MAX:
            raise InputError(f"/{path}: a replicate's counts sum past INT64_MAX (9.2e18), which no run writes "
                             "(a damaged file, or not bidsim's)")
    return a


def memory_needed(V, R, D, L, S):
    """bytes plot holds at its peak for a file of these sizes: the hourly
    arrays of one variant and their cumulative copies, one read of a
    variant's segment table, and every variant's replicate totals"""
    return 8 * (6 * R * D * 24 * L + R * D * (L + 2 * 24 * S) + R * D * L * S + 3 * V * R * L)


def load(path, variant):
    """Read what the figures need, listed plans only: the hourly data of
    `variant` (a name, an index, or None for the first) and every variant's
    totals."""
    try:
        open(path, "rb").close()  # a clear reason for missing / unreadable files
    except OSError as e:
        raise InputError(e.strerror or e)
    if not h5py.is_hdf5(path):
        raise InputError("not an HDF5 file")
    with h5py.File(path, "r") as f:
        if text(f.attrs.get("format", "")) != "bidsim-result":
            raise InputError("no root attribute format = \"bidsim-result\"")
        version = int(f.attrs.get("format_version", 0))
        if 0 < version < 3:  # sim/output.h's BIDSIM_FORMAT_VERSION
            raise InputError(f"format version {version} was written by an older bidsim: rerun the scenario to "
                             "rewrite it (this script reads version 3)")
        if version != 3:  # 0 = attribute missing
            raise InputError(f"unsupported format_version {version} (this script reads 3)")
        variants = labels(f["variant/variant"])
        if isinstance(variant, int):
            if not 0 <= variant < len(variants):
                raise InputError(f"no variant {variant}: the file has {len(variants)} (indices from 0)")
            v = variant
        elif variant is None or variant in variants:
            v = variants.index(variant) if variant is not None else 0
        else:
            listing = ", ".join(short(v) for v in variants[:20]) + (", ..." if len(variants) > 20 else "")
            raise InputError(f"unknown variant {short(variant)!r}; variants: {listing}")
        listed = np.flatnonzero(f["plan/listed"][...] == 1)
        V, R, D, P, S = f["plan_segment/clicks"].shape
        need = memory_needed(V, R, D, len(listed), S)
        if need > MAX_BYTES:
            raise InputError(f"{V:,} variant(s) x {R:,} replicates x {D:,} days of {len(listed)} listed plan(s) "
                             f"need about {need / 2**30:,.1f} GiB in memory for the figures, more than plot's "
                             f"{MAX_BYTES / 2**30:g} GiB: plot a run with fewer replicates or days")
        scenario = yaml.safe_load(text(f.attrs["resolved_scenario"]))
        d = {
            "variant": v,
            "scenario_path": text(f.attrs.get("scenario_path", "?")),
            "diurnal": diurnal_curve(scenario),
            "variants": variants,
            "names": labels(f["plan/plan"], list(listed)) if len(listed) else [],
            "cap_li": f["plan/cap"][...][listed],          # li: the integers the file stores
            "yuan_per_li": float(f["plan/cap"].attrs["scale_factor"]),
            "impressions": counts(f, "traffic/impressions", np.s_[v]).sum(axis=3),  # R,D,24
        }
        # h5py fancy indexing needs a non-empty, increasing index list.
        sel = list(listed) if len(listed) else slice(0, 0)
        # the figures' keys keep the unit (li) of the integers read
        for key, m in (("spend_li", "spend"), ("exposures", "exposures")):
            d["hour_" + key] = counts(f, "plan_hour/" + m, np.s_[v, :, :, :, sel])  # R,D,24,L
        d["cap_hit_s"] = counts(f, "plan/cap_hit_s", np.s_[v, :, :, sel], "cap_hit")  # R,D,L
        for key, m in (("spend_li", "spend"), ("clicks", "clicks"), ("order_value_li", "order_value")):
            # replicate totals over days and segments, one variant at a time: V,R,L
            d["total_" + key] = np.stack([counts(f, "plan_segment/" + m, np.s_[u, :, :, sel, :]).sum(axis=(1, 3))
                                          for u in range(V)])
    if (d["diurnal"] is not None and len(d["diurnal"]) != 24) or d["impressions"].shape[2] != 24:
        raise InputError("expected 24 hours in traffic.diurnal and /traffic/impressions")
    d["names"] = [short(n) for n in d["names"]]
    d["variants"] = [short(n) for n in d["variants"]]
    d["scenario_path"] = short(d["scenario_path"], 2 * LABEL_CHARS)
    return d


def one_line(e):
    """an exception's message on one line, of a readable length"""
    return short(" ".join(str(e).split()), 300)


def colour(i):
    return plt.get_cmap("tab10" if i < 10 else "tab20")(i % 20)


def hour_axis(ax):
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 3))
    ax.set_xlabel("hour of day")
    ax.grid(alpha=0.3)


def no_data(ax, message):
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=14)
    ax.set_xticks([])
    ax.set_yticks([])


def fig_cumulative_spend(d, title):
    n = len(d["names"])
    # (R*D, 25, L): cumulative yuan at each hour boundary, one row per sample
    spend = d["hour_spend_li"] / LI_PER_YUAN
    cum = np.concatenate([np.zeros(spend.shape[:2] + (1, n)), spend.cumsum(axis=2)], axis=2)
    cum = cum.reshape(cum.shape[0] * cum.shape[1], 25, n)  # not -1: n may be 0
    ncol = min(n, 3) if n <= 6 else 1
    nrow = -(-n // 3) if n <= 6 else 1
    fig, axes = plt.subplots(max(nrow, 1), max(ncol, 1), figsize=(10, 6),
                             squeeze=False, sharex=True, constrained_layout=True)
    axes = axes.ravel()
    for ax in axes[max(n, 1) if n <= 6 else 1:]:
        ax.set_visible(False)  # unused grid cells
    if n == 0:
        no_data(axes[0], "no listed plans")
    for i, name in enumerate(d["names"]):
        ax = axes[i] if n <= 6 else axes[0]
        c = colour(i)
        lo, hi = np.percentile(cum[:, :, i], [5, 95], axis=0)
        ax.fill_between(HOURS, lo, hi, color=c, alpha=0.2, linewidth=0,
                        label="5-95% band" if n <= 6 else None)
        # own axis: short entries (the title names the plan); shared axis:
        # one entry per plan with the cap in its text, to halve the legend
        label = "mean" if n <= 6 else name
        if d["cap_li"][i] != UNLIMITED:
            cap = f"cap {d['cap_li'][i] / LI_PER_YUAN:g} yuan"
            ax.axhline(d["cap_li"][i] / LI_PER_YUAN, color=c, linestyle="--",
                       label=cap if n <= 6 else None)
            label += "" if n <= 6 else f", {cap} (dashed)"
        ax.plot(HOURS, cum[:, :, i].mean(axis=0), color=c, label=label)
        # head-room above the band and cap line so the legend covers neither
        top = max(hi.max(), d["cap_li"][i] / LI_PER_YUAN if d["cap_li"][i] != UNLIMITED else 0)
        ax.set_ylim(0, max(ax.get_ylim()[1] if n > 6 and i else 0, 1.35 * top, 1.0))
        hour_axis(ax)
        ax.set_ylabel("cumulative spend (yuan)")
        if n <= 6:
            ax.set_title(name)
            ax.legend(fontsize="small", loc="upper left")
    if n > 6:
        axes[0].legend(fontsize="small", ncol=2, loc="upper left")
    fig.suptitle(f"Cumulative spend through the day, {title}\n"
                 f"mean over replicates x days; band = 5-95% of (replicate, day) samples")
    return fig


def day_shares(counts):
    """Per-(replicate, day) percent of the day's total in each hour; NaN if 0."""
    total = counts.sum(axis=2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 100.0 * counts / total, np.nan)


def fig_hourly_exposures(d, title):
    fig, ax = plt.subplots(figsize=(10, 6), constrained_layout=True)
    hours = np.arange(24) + 0.5  # centre of each hour
    traffic = np.nanmean(day_shares(d["impressions"]), axis=(0, 1))
    ax.bar(hours, traffic, width=0.9, color="0.8", label="all impressions (share of traffic)")
    top = traffic.max()
    if d["diurnal"] is not None:
        ax.plot(hours, 100.0 * d["diurnal"] / d["diurnal"].sum(), color="black",
                marker=".", label="scenario diurnal curve")
        top = max(top, d["diurnal"].max() / d["diurnal"].sum() * 100)
    shares = day_shares(d["hour_exposures"])  # R,D,24,L
    for i, name in enumerate(d["names"]):
        s = shares[..., i]
        if np.isnan(s).all():
            ax.plot([], [], color=colour(i), label=f"{name} (no exposures)")
            continue
        with np.errstate(invalid="ignore"):  # days without exposures are NaN
            mean = np.nanmean(s, axis=(0, 1))
        top = max(top, np.nanmax(mean))
        ax.plot(hours, mean, color=colour(i), label=f"{name} (share of its exposures)")
    hour_axis(ax)
    ax.set_ylim(0, 1.35 * top)  # head-room for the legend
    ax.set_ylabel("share of the day's impressions (percent)")
    ax.set_title(f"Impressions per hour of day, {title}\n"
                 "mean over replicates x days of each day's hourly share")
    ax.legend(fontsize="small", loc="best", ncol=2 if len(d["names"]) > 4 else 1)
    return fig


def hit_bins(hours):
    """Bin edges covering the hits only, at a round width giving <= 40 bins.

    Binding caps often stop plans within minutes of each other, so fixed
    hourly bins over 0-24 would squash everything into one bar."""
    if len(hours) == 0:
        return np.arange(25.0)
    for width in (1 / 60, 2 / 60, 5 / 60, 10 / 60, 0.25, 0.5, 1):
        if (hours.max() - hours.min()) / width <= 40:
            break
    lo = np.floor(hours.min() / width)
    hi = max(np.ceil(hours.max() / width), lo + 1)
    return np.arange(lo, hi + 0.5) * width


def hhmm(h, _pos=None):
    """Tick label for an hour-of-day value: 13.5 -> 13:30."""
    m = int(round(h * 60))
    return f"{m // 60}:{m % 60:02d}"


def fig_cap_hits(d, title):
    fig, ax = plt.subplots(figsize=(10, 6), constrained_layout=True)
    capped = [i for i in range(len(d["names"])) if d["cap_li"][i] != UNLIMITED]
    if not capped:
        no_data(ax, "no listed plan has a daily cap")
        ax.set_title(f"Daily cap hit times, {title}")
        return fig
    hit_s = d["cap_hit_s"]  # R,D,L
    per_plan = {i: hit_s[..., i].ravel() for i in capped}
    hits = {i: s[s >= 0] / 3600.0 for i, s in per_plan.items()}
    bins = hit_bins(np.concatenate(list(hits.values())))
    for i in capped:
        cap = d["cap_li"][i] / LI_PER_YUAN
        ax.hist(hits[i], bins=bins, color=colour(i), alpha=0.55, edgecolor=colour(i),
                label=f"{d['names'][i]} (cap {cap:g} yuan): hit on "
                      f"{len(hits[i])} of {len(per_plan[i])} plan-days")
    pad = 2 * (bins[1] - bins[0])
    lo, hi = max(bins[0] - pad, 0), min(bins[-1] + pad, 24)
    ax.set_xlim(lo, hi)
    # ticks at a round number of minutes, at most ~12 of them
    step = next(m for m in (1, 2, 5, 10, 15, 30, 60, 120, 180) if (hi - lo) * 60 / m <= 12)
    ax.xaxis.set_major_locator(MultipleLocator(step / 60))
    ax.xaxis.set_major_formatter(FuncFormatter(hhmm))
    ax.set_xlabel("hour of day when the daily cap stopped the plan (H:MM)")
    ax.set_ylabel("plan-days (count)")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    width_min = (bins[1] - bins[0]) * 60
    ax.set_title(f"Daily cap hit times, {title}\n"
                 f"(replicate, day) samples, {width_min:g}-minute bins")
    ax.legend(fontsize="small", loc="upper right")
    return fig


def ratio_ci(num, den):
    """The ratio of means over replicates and the half-width of its 95%
    delta-method interval: the Student-t interval of the pseudo-values
    R + (num - R den) / mean(den), as `bidsim report` gives it
    (analysis/stats.c; docs/analysis.md). A replicate with den = 0 counts;
    NaN only when every den is 0."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    if len(num) == 0 or den.sum() == 0:
        return np.nan, np.nan
    r = num.sum() / den.sum()
    if len(num) == 1:
        return r, 0.0
    y = r + (num - r * den) / den.mean()
    return r, t975(len(y) - 1) * y.std(ddof=1) / np.sqrt(len(y))


def fig_roi_cpc(d, scenario_path):
    names, variants = d["names"], d["variants"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 6), constrained_layout=True)
    panels = [(axes[0], "order_value_li", "spend_li", 1.0, "ROI (order value / spend)",
               "ROI (yuan of orders per yuan spent)"),
              (axes[1], "spend_li", "clicks", LI_PER_YUAN, "CPC (spend / clicks)",
               "cost per click (yuan)")]
    x = np.arange(len(names))
    step = 0.7 / max(len(variants), 1)  # spread of the variant markers within a plan
    markers = "osD^v<>ph*"
    for ax, num, den, scale, title, ylabel in panels:
        for v, vname in enumerate(variants):
            mean, half = np.array([ratio_ci(d["total_" + num][v, :, i] / scale, d["total_" + den][v, :, i])
                                   for i in range(len(names))]).reshape(-1, 2).T
            xv = x + (v - (len(variants) - 1) / 2) * step
            bars = ax.errorbar(xv, mean, yerr=half, fmt=markers[v % len(markers)],
                               capsize=4, label=vname)
            for xi in xv[np.isnan(mean)]:  # no spend (or no clicks) in any replicate
                ax.text(xi, 0.02, "n/a", ha="center", fontsize="small",
                        color=bars.lines[0].get_color(), transform=ax.get_xaxis_transform())
        ax.set_xticks(x)
        tilt = len(names) > 3  # long plan names collide when more than three
        ax.set_xticklabels(names, rotation=30 if tilt else 0, ha="right" if tilt else "center")
        ax.set_xlim(-0.6, len(names) - 0.4)
        ax.set_xlabel("listed plan")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(title="variant", fontsize="small")
    if not names:
        for ax in axes:
            no_data(ax, "no listed plans")
    fig.suptitle(f"ROI and CPC per listed plan, {scenario_path}, all variants\n"
                 "ratio of the totals over all replicates and days; "
                 "error bars = 95% delta-method CI across replicates")
    return fig


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="plot.py",
        description="Write PNG figures from a bidsim result file (docs/output-format.md): "
                    "cumulative_spend.png, hourly_exposures.png, cap_hit_times.png, roi_cpc.png. "
                    "Only listed plans are drawn. Prints each written path.",
        epilog="Exit status: 0 ok, 1 an output could not be written, "
               "2 bad arguments or unreadable result file. Run with /usr/bin/python3.")
    ap.add_argument("result", metavar="RESULT.h5", help="result file written by `bidsim run`")
    ap.add_argument("-o", "--output", metavar="DIR", required=True,
                    help="directory for the PNG files (created if missing)")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--variant", metavar="NAME",
                       help="variant (/variant/variant) for the per-hour and cap figures; "
                            "default: the first. roi_cpc.png always shows every variant")
    which.add_argument("--variant-index", metavar="I", type=int,
                       help="the same variant by its index from 0 (what `bidsim plot` passes)")
    ap.add_argument("--dpi", type=int, default=100, help="PNG resolution (default: 100)")
    args = ap.parse_args(argv)
    if args.dpi <= 0:
        ap.error("--dpi must be positive")

    def fail(path, reason, status):
        print(f"bidsim plot: error: {short(str(path), 200)}: {reason}", file=sys.stderr)
        return status

    try:
        d = load(args.result, args.variant if args.variant_index is None else args.variant_index)
    except InputError as e:
        return fail(args.result, e, 2)
    except (OSError, KeyError, ValueError, TypeError, IndexError, AttributeError,
            RuntimeError, yaml.YAMLError) as e:
        # h5py raises OSError for truncated files, KeyError for missing objects
        return fail(args.result, f"unreadable or incomplete result file: {one_line(e)}", 2)
    except MemoryError:
        return fail(args.result, "out of memory reading the file", 1)
    title = f"{d['scenario_path']}, variant {d['variants'][d['variant']]}"

    if os.path.exists(args.output) and not os.path.isdir(args.output):
        return fail(args.output, "not a directory", 1)
    try:
        os.makedirs(args.output, exist_ok=True)
    except OSError as e:
        return fail(args.output, e.strerror or e, 1)
    figures = [("cumulative_spend.png", lambda: fig_cumulative_spend(d, title)),
               ("hourly_exposures.png", lambda: fig_hourly_exposures(d, title)),
               ("cap_hit_times.png", lambda: fig_cap_hits(d, title)),
               ("roi_cpc.png", lambda: fig_roi_cpc(d, d["scenario_path"]))]
    for name, make in figures:
        out = os.path.join(args.output, name)
        try:
            fig = make()
        except Exception as e:  # a bug or a file nothing checked for: one line, not a traceback
            if os.environ.get("BIDSIM_PLOT_DEBUG"):
                raise
            return fail(out, f"cannot draw the figure: {type(e).__name__}: {one_line(e)} "
                        "(BIDSIM_PLOT_DEBUG=1 shows the traceback)", 1)
        try:
            fig.savefig(out, dpi=args.dpi, metadata={"Software": None})
        except OSError as e:
            return fail(out, e.strerror or e, 1)
        except Exception as e:
            if os.environ.get("BIDSIM_PLOT_DEBUG"):
                raise
            return fail(out, f"cannot render the figure: {type(e).__name__}: {one_line(e)} "
                        "(BIDSIM_PLOT_DEBUG=1 shows the traceback)", 1)
        finally:
            plt.close(fig)
        print(out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
