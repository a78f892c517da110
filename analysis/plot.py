#!/usr/bin/python3
"""PNG figures from a bidsim result file (format: docs/output-format.md).

Run with Debian's interpreter, which has h5py, numpy, matplotlib and PyYAML:

    /usr/bin/python3 analysis/plot.py RESULT.h5 -o DIR [--variant NAME | --variant-index I]
        [--baseline-index B] [--plan-index P]... [--days FIRST:LAST] [--dpi N]

Listed plans (/plan/listed == 1) are drawn unless --plan-index names plans.
Counters are checked as `bidsim report` checks them, and a file whose arrays
would not fit in MAX_BYTES is refused before anything is read. Names longer
than LABEL_CHARS are cut in the figures; Chinese names need a CJK font
(Debian's fonts-noto-cjk), which plot finds and registers itself.
The figures live in plot_day.py (one variant through the day) and
plot_variants.py (variants side by side); the estimators in plot_stats.py.
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
import numpy as np  # noqa: E402

try:
    import h5py
    import yaml
except ImportError as e:  # the first python3 on PATH lacks these
    sys.exit(f"bidsim plot: error: {e}; run with /usr/bin/python3")

import plot_day  # noqa: E402
from plot_fonts import has_cjk, use_cjk_font  # noqa: E402
import plot_variants  # noqa: E402
from plot_stats import ratio_ci, t975  # noqa: E402,F401 (tests import them from here)

UNLIMITED = np.iinfo(np.int64).max  # /plan/cap value (li) meaning "no cap"
MAX_BYTES = 4 << 30  # plot holds its arrays in memory; a file needing more is refused (exit 2)
INT64_MAX = int(np.iinfo(np.int64).max)  # no sum of a replicate's counters may pass it
LABEL_CHARS = 40  # plan and variant names are cut to this many characters in figures
# the figures' keys keep the unit (li) of the integers read: key -> dataset name
METRICS = {"exposures": "exposures", "clicks": "clicks", "spend_li": "spend", "conversions": "conversions",
           "order_value_li": "order_value"}

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


def short(name, limit=LABEL_CHARS):
    """a label that fits a figure: names longer than `limit` characters are
    cut (bidsim writes at most 63 bytes; a crafted file may hold megabytes,
    which the renderer cannot draw)"""
    return name if len(name) <= limit else name[:limit - 1] + "\u2026"


def diurnal_curve(scenario):
    """the scenario's 24-hour traffic shares, or None when the resolved
    scenario does not carry one (files not written by `bidsim run`)"""
    try:
        return np.asarray(scenario["traffic"]["diurnal"], dtype=float)
    except (TypeError, KeyError):
        return None


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
    variant's segment table, and every variant's daily totals"""
    return 8 * (6 * R * D * 24 * L + R * D * (L + 2 * 24 * S) + R * D * L * S + 5 * V * R * D * L + 25 * V * L)


def pick_variant(variants, variant):
    if isinstance(variant, int):
        if not 0 <= variant < len(variants):
            raise InputError(f"no variant {variant}: the file has {len(variants)} (indices from 0)")
        return variant
    if variant is None:
        return 0
    if variant in variants:
        return variants.index(variant)
    listing = ", ".join(short(v) for v in variants[:20]) + (", ..." if len(variants) > 20 else "")
    raise InputError(f"unknown variant {short(variant)!r}; variants: {listing}")


def load(path, variant, baseline=0, plans=None, days=None):
    """Read what the figures need: the hourly data of `variant` (a name, an
    index, or None for the first) and every variant's daily totals, for the
    plans given by index (default: the listed plans) and the days (first,
    last) by index (default: all)."""
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
        v = pick_variant(variants, variant)
        b = pick_variant(variants, baseline)
        V, R, D, P, S = f["plan_segment/clicks"].shape
        sel = np.flatnonzero(f["plan/listed"][...] == 1) if plans is None else np.asarray(sorted(set(plans)))
        if len(sel) and (sel.min() < 0 or sel.max() >= P):
            raise InputError(f"no plan index {sel.max() if sel.max() >= P else sel.min()}: the file has {P}")
        d0, d1 = (0, D - 1) if days is None else days
        if not 0 <= d0 <= d1 < D:
            raise InputError(f"days {d0}:{d1} are outside the file's 0:{D - 1}")
        nd = d1 - d0 + 1
        need = memory_needed(V, R, nd, len(sel), S)
        if need > MAX_BYTES:
            raise InputError(f"{V:,} variant(s) x {R:,} replicates x {nd:,} days of {len(sel)} plan(s) "
                             f"need about {need / 2**30:,.1f} GiB in memory for the figures, more than plot's "
                             f"{MAX_BYTES / 2**30:g} GiB: plot a run with fewer replicates or days (--days)")
        scenario = yaml.safe_load(text(f.attrs["resolved_scenario"]))
        # li: the integers the file stores (h5py does not apply scale_factor)
        caps = f["variant/cap"][...][:, sel] if "variant/cap" in f else np.tile(f["plan/cap"][...][sel], (V, 1))
        keys = labels(f["variant/sweep_key"]) if "variant/sweep_key" in f else []
        values = labels(f["variant/sweep_value"]) if keys else []
        d = {
            "variant": v,
            "baseline": b,
            "scenario_path": text(f.attrs.get("scenario_path", "?")),
            "diurnal": diurnal_curve(scenario),
            "variants": variants,
            "names": labels(f["plan/plan"], list(sel)) if len(sel) else [],
            "days": labels(f["plan/day"])[d0:d1 + 1],
            "day_count_file": D,
            "caps": np.where(caps == UNLIMITED, np.inf, caps / 1000.0),   # (V, L) yuan
            "sweep_keys": keys,
            # (V, K, bytes) char array: one row of K values per variant
            "sweep_values": [values[u * len(keys):(u + 1) * len(keys)] for u in range(V)] if keys else [],
            "impressions": counts(f, "traffic/impressions", np.s_[v, :, d0:d1 + 1]).sum(axis=3),  # R,D,24
        }
        # h5py fancy indexing needs a non-empty, increasing index list.
        idx = list(sel) if len(sel) else slice(0, 0)
        for key in ("spend_li", "exposures"):
            d["hour_" + key] = counts(f, "plan_hour/" + METRICS[key], np.s_[v, :, d0:d1 + 1, :, idx])  # R,D,24,L
        d["cap_hit_s"] = counts(f, "plan/cap_hit_s", np.s_[v, :, d0:d1 + 1, idx], "cap_hit")  # R,D,L
        # every variant: the mean cumulative spend through the day (V, 25, L)
        # and each replicate's days (V, R, D, L), one variant read at a time
        cum = []
        for u in range(V):
            hours = counts(f, "plan_hour/spend", np.s_[u, :, d0:d1 + 1, :, idx]) / 1000.0
            cum.append(np.concatenate([np.zeros((1, len(sel))), hours.cumsum(axis=2).mean(axis=(0, 1))]))
        d["cum_spend"] = np.asarray(cum).reshape(V, 25, len(sel))
        for key, m in METRICS.items():
            d["day_" + key] = np.stack([counts(f, "plan_segment/" + m, np.s_[u, :, d0:d1 + 1, idx, :]).sum(axis=3)
                                        for u in range(V)])
    if (d["diurnal"] is not None and len(d["diurnal"]) != 24) or d["impressions"].shape[2] != 24:
        raise InputError("expected 24 hours in traffic.diurnal and /traffic/impressions")
    for m in METRICS:  # totals over the selected days: V, R, L
        d["total_" + m] = d["day_" + m].sum(axis=2)
    d["cjk"] = any(has_cjk(n) for n in d["names"] + d["variants"] + d["sweep_keys"] + [d["scenario_path"]])
    d["names"] = [short(n) for n in d["names"]]
    d["variants"] = [short(n) for n in d["variants"]]
    d["scenario_path"] = short(d["scenario_path"], 2 * LABEL_CHARS)
    return d


def one_line(e):
    """an exception's message on one line, of a readable length"""
    return short(" ".join(str(e).split()), 300)


def days_arg(s):
    """FIRST:LAST day indices"""
    a, _, b = s.partition(":")
    try:
        return int(a), int(b or a)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected FIRST:LAST day indices, got {s!r}")


def figures_of(d):
    """(file name, drawing function) of every figure this file has"""
    title = f"{d['scenario_path']}, variant {d['variants'][d['variant']]}"
    if len(d["days"]) < d["day_count_file"]:
        title += f", {d['days'][0]} to {d['days'][-1]}" if len(d["days"]) > 1 else f", {d['days'][0]}"
    out = [("cumulative_spend.png", lambda: plot_day.fig_cumulative_spend(d, title)),
           ("hourly_exposures.png", lambda: plot_day.fig_hourly_exposures(d, title)),
           ("cap_hit_times.png", lambda: plot_day.fig_cap_hits(d, title)),
           ("roi_cpc.png", lambda: plot_variants.fig_roi_cpc(d))]
    if len(d["variants"]) > 1:
        out += [("variants_spend.png", lambda: plot_variants.fig_variants_spend(d)),
                ("paired_differences.png", lambda: plot_variants.fig_paired(d))]
    if len(d["days"]) > 1:
        out.append(("daily_trend.png", lambda: plot_variants.fig_daily_trend(d)))
    if d["sweep_keys"] and len(d["variants"]) > 1:
        out.append(("sweep.png", lambda: plot_variants.fig_sweep(d)))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="plot.py",
        description="Write PNG figures from a bidsim result file (docs/output-format.md): "
                    "cumulative_spend.png, hourly_exposures.png, cap_hit_times.png, roi_cpc.png; with "
                    "variants variants_spend.png and paired_differences.png; over several days "
                    "daily_trend.png; for a sweep sweep.png. Prints each written path.",
        epilog="Exit status: 0 ok, 1 an output could not be written, "
               "2 bad arguments or unreadable result file. Run with /usr/bin/python3.")
    ap.add_argument("result", metavar="RESULT.h5", help="result file written by `bidsim run`")
    ap.add_argument("-o", "--output", metavar="DIR", required=True,
                    help="directory for the PNG files (created if missing)")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--variant", metavar="NAME",
                       help="variant (/variant/variant) for the per-hour and cap figures; default: the first")
    which.add_argument("--variant-index", metavar="I", type=int,
                       help="the same variant by its index from 0 (what `bidsim plot` passes)")
    ap.add_argument("--baseline-index", metavar="B", type=int, default=0,
                    help="the variant the paired differences are taken against (default 0)")
    ap.add_argument("--plan-index", metavar="P", type=int, action="append",
                    help="a plan (its index along /plan/plan) to draw; repeatable; default: the listed plans")
    ap.add_argument("--days", metavar="FIRST:LAST", type=days_arg, help="only these day indices")
    ap.add_argument("--dpi", type=int, default=100, help="PNG resolution (default: 100)")
    args = ap.parse_args(argv)
    if args.dpi <= 0:
        ap.error("--dpi must be positive")

    def fail(path, reason, status):
        print(f"bidsim plot: error: {short(str(path), 200)}: {reason}", file=sys.stderr)
        return status

    try:
        d = load(args.result, args.variant if args.variant_index is None else args.variant_index,
                 args.baseline_index, args.plan_index, args.days)
    except InputError as e:
        return fail(args.result, e, 2)
    except (OSError, KeyError, ValueError, TypeError, IndexError, AttributeError,
            RuntimeError, yaml.YAMLError) as e:
        # h5py raises OSError for truncated files, KeyError for missing objects
        return fail(args.result, f"unreadable or incomplete result file: {one_line(e)}", 2)
    except MemoryError:
        return fail(args.result, "out of memory reading the file", 1)
    if d["cjk"] and use_cjk_font() is None:
        print("bidsim plot: warning: no CJK font found (install fonts-noto-cjk): Chinese names will show as "
              "empty boxes", file=sys.stderr)

    if os.path.exists(args.output) and not os.path.isdir(args.output):
        return fail(args.output, "not a directory", 1)
    try:
        os.makedirs(args.output, exist_ok=True)
    except OSError as e:
        return fail(args.output, e.strerror or e, 1)
    for name, make in figures_of(d):
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
