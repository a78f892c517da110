"""bidsim's figures that set variants side by side: ROI and CPC per plan,
cumulative spend of every variant against the cap, the paired differences
`bidsim compare` computes (beside the unpaired intervals an analyst reading
two reports would see), the daily trend of a multi-day run, and a sweep's
metrics against the swept value. Each takes the data plot.load() returns
and gives a matplotlib figure; legends move beside the axes beyond a few
entries and give way to a colour bar beyond MAX_LEGEND."""
import matplotlib.pyplot as plt
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D
import numpy as np

from plot_stats import mean_ci, paired_ci, pseudo_values, ratio_ci, unpaired_ci

HOURS = np.arange(25)
MAX_LEGEND = 24    # more entries than this: a colour bar instead of a legend
MAX_PANELS = 6     # plans drawn in the per-plan panels
MAX_ROWS = 40      # variants drawn in the paired-differences figure
MARKERS = "osD^v<>ph*"


def styles(n):
    """a colour per series: tab10, tab20, then a sequential map (a sweep's
    points are ordered, and 40 categorical colours are not told apart)"""
    if n <= 10:
        return [plt.get_cmap("tab10")(i) for i in range(n)]
    if n <= 20:
        return [plt.get_cmap("tab20")(i) for i in range(n)]
    return [plt.get_cmap("viridis")(i / max(n - 1, 1)) for i in range(n)]


def legend_beside(fig, ax, handles, labels, title=None):
    """a legend that stays readable with many entries: inside the axes for
    a few, beside them (one or two columns) up to MAX_LEGEND, else a colour
    bar over the series' order"""
    n = len(labels)
    if n <= 6:
        ax.legend(handles, labels, fontsize="small", title=title, loc="best")
    elif n <= MAX_LEGEND:
        ax.legend(handles, labels, fontsize="small", title=title, loc="upper left", bbox_to_anchor=(1.02, 1),
                  borderaxespad=0, ncol=1 if n <= 12 else 2)
    else:
        sm = ScalarMappable(norm=Normalize(0, n - 1), cmap="viridis")
        bar = fig.colorbar(sm, ax=ax, fraction=0.05, pad=0.02)
        bar.set_label(f"{title or 'series'}: 0 = {labels[0]}, {n - 1} = {labels[-1]}", fontsize="small")


def no_data(ax, message):
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=14)
    ax.set_xticks([])
    ax.set_yticks([])


def per_day(d, key, v, i, scale=1.0):
    """variant v's per-replicate mean per day of a total, plan i"""
    return d["total_" + key][v, :, i] * scale / len(d["days"])


def figure_values(d, v, i, metric):
    """per-replicate values of one figure (pseudo-values for ratios), whose
    mean and t interval are report's"""
    if metric == "roi":
        return pseudo_values(d["total_order_value_li"][v, :, i], d["total_spend_li"][v, :, i])
    if metric == "cpc":
        return pseudo_values(d["total_spend_li"][v, :, i] / 1000.0, d["total_clicks"][v, :, i])
    key, scale = {"exposures": ("exposures", 1), "clicks": ("clicks", 1), "spend": ("spend_li", 1e-3),
                  "orders": ("conversions", 1)}[metric]
    return per_day(d, key, v, i, scale)


LABELS = {"exposures": "exposures per day", "clicks": "clicks per day", "spend": "spend per day (yuan)",
          "orders": "orders per day", "roi": "ROI (order value / spend)", "cpc": "CPC (yuan)"}


def fig_roi_cpc(d):
    names, variants = d["names"], d["variants"]
    nv = len(variants)
    fig, axes = plt.subplots(1, 2, figsize=(12 if nv > 6 else 11, 6), constrained_layout=True)
    x = np.arange(len(names))
    step = 0.7 / max(nv, 1)  # spread of the variant markers within a plan
    colours = styles(nv)
    for k, (ax, metric) in enumerate(zip(axes, ("roi", "cpc"))):
        handles = []
        undefined = np.zeros(len(names), dtype=int)
        for v in range(nv):
            mean, half = np.array([ratio_ci(*(
                (d["total_order_value_li"][v, :, i], d["total_spend_li"][v, :, i]) if metric == "roi" else
                (d["total_spend_li"][v, :, i] / 1000.0, d["total_clicks"][v, :, i]))) for i in range(len(names))]
            ).reshape(-1, 2).T
            xv = x + (v - (nv - 1) / 2) * step
            ok = np.isfinite(mean)
            undefined += ~ok
            bars = ax.errorbar(xv[ok], mean[ok], yerr=half[ok], fmt=MARKERS[v % len(MARKERS)], color=colours[v],
                               capsize=4 if nv <= 6 else 2, markersize=6 if nv <= 10 else 4)
            handles.append(bars)
        for i in np.flatnonzero(undefined):  # no spend (or no clicks) in any replicate
            ax.text(x[i], 0.02, "n/a" if nv == 1 else f"n/a in {undefined[i]} of {nv} variants", ha="center",
                    fontsize="small", transform=ax.get_xaxis_transform())
        ax.set_xticks(x)
        tilt = len(names) > 3  # long plan names collide when more than three
        ax.set_xticklabels(names, rotation=30 if tilt else 0, ha="right" if tilt else "center")
        ax.set_xlim(-0.6, len(names) - 0.4)
        ax.set_xlabel("plan")
        ax.set_ylabel(LABELS[metric])
        ax.set_title("ROI (order value / spend)" if metric == "roi" else "CPC (spend / clicks)")
        ax.grid(axis="y", alpha=0.3)
        if k == 1 or nv <= 6:
            legend_beside(fig, ax, handles, variants, "variant")
    if not names:
        for ax in axes:
            no_data(ax, "no plans")
    fig.suptitle(f"ROI and CPC per plan, {d['scenario_path']}, all variants\n"
                 "ratio of the totals over all replicates and days; "
                 "error bars = 95% delta-method CI across replicates")
    return fig


def fig_variants_spend(d):
    """every variant's mean cumulative spend through the day, per plan,
    against its cap"""
    nv, n = len(d["variants"]), min(len(d["names"]), MAX_PANELS)
    ncol = min(max(n, 1), 3)
    nrow = -(-max(n, 1) // 3)
    fig, axes = plt.subplots(nrow, ncol, figsize=(max(5.2 * ncol, 8) + (2.5 if nv > 6 else 0), 4.2 * nrow + 1),
                             squeeze=False, constrained_layout=True)
    axes = axes.ravel()
    for ax in axes[max(n, 1):]:
        ax.set_visible(False)
    if n == 0:
        no_data(axes[0], "no plans")
    colours = styles(nv)
    for i in range(n):
        ax = axes[i]
        caps = d["caps"][:, i]
        same_cap = np.all(caps == caps[0])
        for v in range(nv):
            ax.plot(HOURS, d["cum_spend"][v, :, i], color=colours[v], linewidth=1.6 if nv <= 10 else 1.0)
            if not same_cap and np.isfinite(caps[v]):
                ax.axhline(caps[v], color=colours[v], linestyle="--", linewidth=0.8)
        if same_cap and np.isfinite(caps[0]):
            ax.axhline(caps[0], color="black", linestyle="--", linewidth=1.0)
            ax.text(0.3, caps[0], f"cap {caps[0]:g} yuan", va="bottom", fontsize="small")
        top = max(np.nanmax(d["cum_spend"][:, :, i]), np.nanmax(np.where(np.isfinite(caps), caps, 0)), 1.0)
        ax.set_ylim(0, 1.15 * top)
        ax.set_xlim(0, 24)
        ax.set_xticks(range(0, 25, 3))
        ax.set_xlabel("hour of day")
        ax.set_ylabel("cumulative spend (yuan)")
        ax.set_title(d["names"][i])
        ax.grid(alpha=0.3)
    handles = [Line2D([], [], color=c) for c in colours]
    if n:
        legend_beside(fig, axes[n - 1] if n <= 3 else axes[min(n, ncol) - 1], handles, d["variants"], "variant")
    more = f" (first {n} of {len(d['names'])} plans)" if len(d["names"]) > n else ""
    moved = not np.all(d["caps"] == d["caps"][:1])
    fig.suptitle(f"Cumulative spend through the day of every variant{more}\n{d['scenario_path']}; mean over "
                 "replicates x days; dashed: the daily cap" + (", in the colour of the variant that sets it"
                                                                if moved else ""))
    return fig


def fig_paired(d):
    """B - A per plan and variant for orders, spend and ROI with the paired
    95% interval compare gives, and, thin and grey beside it, the interval
    the same difference would have between two independent runs"""
    b, nv = d["baseline"], len(d["variants"])
    others = [v for v in range(nv) if v != b][:MAX_ROWS]
    names = d["names"][:MAX_PANELS]
    rows = [(i, v) for i in range(len(names)) for v in others]
    fig, axes = plt.subplots(1, 3, figsize=(13, 2.2 + 0.28 * max(len(rows), 8)), sharey=True,
                             constrained_layout=True)
    colours = styles(max(len(names), 1))
    y = np.arange(len(rows))[::-1]
    hidden = 0
    for ax, metric in zip(axes, ("orders", "spend", "roi")):
        for (i, v), yi in zip(rows, y):
            a, bb = figure_values(d, b, i, metric), figure_values(d, v, i, metric)
            m, h = paired_ci(a, bb)
            mu, hu = unpaired_ci(a, bb)
            if not np.isfinite(m):   # ROI of a plan without spend
                ax.text(0, yi, "n/a", ha="center", va="center", fontsize="x-small", color="0.4")
                continue
            if np.isfinite(mu):
                ax.errorbar(mu, yi - 0.22, xerr=hu, fmt="none", ecolor="0.6", elinewidth=1, capsize=2)
            ax.errorbar(m, yi, xerr=h, fmt="o", color=colours[i], elinewidth=2.2, capsize=3, markersize=4)
            # the case the figure is for: paired says "different", unpaired "no difference"
            if np.isfinite(h) and np.isfinite(hu) and (m - h > 0 or m + h < 0) and mu - hu <= 0 <= mu + hu:
                hidden += metric == "orders"
                ax.plot([m], [yi], marker="*", color="black", markersize=9, linestyle="none")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(f"B - A: {LABELS[metric]}")
        ax.grid(axis="x", alpha=0.3)
        for k in range(1, len(names)):  # a rule between plans
            ax.axhline(y[k * len(others)] + 0.5, color="0.85", linewidth=0.8)
    axes[0].set_yticks(y)
    axes[0].set_yticklabels([f"{d['names'][i]}: {d['variants'][v]}" for i, v in rows], fontsize="small")
    ticks = axes[0].get_yticklabels()
    for k, (i, _v) in enumerate(rows):   # each row's label in its plan's colour
        ticks[k].set_color(colours[i])
    keys = [Line2D([], [], color="black", marker="o", linewidth=2.2, label="paired 95% CI (bidsim compare)"),
            Line2D([], [], color="0.6", linewidth=1, label="unpaired 95% CI (two independent runs)"),
            Line2D([], [], color="black", marker="*", linestyle="none", markersize=9,
                   label="paired excludes 0, unpaired does not")]
    axes[2].legend(handles=keys, fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    more = f"; first {len(others)} of {nv - 1} variants" if nv - 1 > len(others) else ""
    fig.suptitle(f"Paired differences B - A against variant {d['variants'][b]!r}, per plan{more}\n"
                 f"{d['scenario_path']}: per day over {len(d['days'])} day(s); ROI as the ratio of means "
                 "(delta method)")
    return fig


def fig_daily_trend(d):
    """spend, orders and ROI day by day: one line per variant when one plan
    is drawn from a file with variants, else one per plan of the variant"""
    by_variant = len(d["names"]) == 1 and len(d["variants"]) > 1
    series = list(range(len(d["variants"]))) if by_variant else list(range(len(d["names"])))
    labels = d["variants"] if by_variant else d["names"]
    nd = len(d["days"])
    x = np.arange(nd)
    fig, axes = plt.subplots(1, 3, figsize=(14 if len(series) > 6 else 13, 5), constrained_layout=True)
    colours = styles(max(len(series), 1))
    for ax, metric in zip(axes, ("spend", "orders", "roi")):
        for k, s in enumerate(series):
            v, i = (s, 0) if by_variant else (d["variant"], s)
            if metric == "roi":
                mh = [ratio_ci(d["day_order_value_li"][v, :, t, i], d["day_spend_li"][v, :, t, i]) for t in x]
            else:
                key, scale = ("spend_li", 1e-3) if metric == "spend" else ("conversions", 1)
                mh = [mean_ci(d["day_" + key][v, :, t, i] * scale) for t in x]
            m, h = np.array(mh, dtype=float).reshape(-1, 2).T
            ax.plot(x, m, marker="o" if nd <= 31 else None, markersize=3, color=colours[k])
            ok = np.isfinite(m) & np.isfinite(h)   # a day without spend has no ROI
            ax.fill_between(x, np.where(ok, m - h, 0), np.where(ok, m + h, 0), where=ok, color=colours[k],
                            alpha=0.18, linewidth=0)
        step = max(1, nd // 10)
        ax.set_xticks(x[::step])
        ax.set_xticklabels([s[5:] for s in d["days"][::step]], rotation=45, ha="right")
        ax.set_xlabel(f"day ({d['days'][0][:4]})")
        ax.set_ylabel(LABELS[metric].replace(" per day", " that day"))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    legend_beside(fig, axes[2], [Line2D([], [], color=c) for c in colours[:len(series)]], labels,
                  "variant" if by_variant else "plan")
    who = f"plan {d['names'][0]}, every variant" if by_variant else f"variant {d['variants'][d['variant']]}"
    fig.suptitle(f"Day by day, {d['scenario_path']}, {who}\n"
                 "mean over replicates; band = 95% CI across replicates (ROI: delta method)")
    return fig


def as_numbers(values):
    try:
        return [float(v) for v in values]
    except ValueError:
        return None


def fig_sweep(d):
    """a sweep's figures against the first swept value: one series per plan
    and per combination of the other keys' values"""
    keys, vals = d["sweep_keys"], d["sweep_values"]
    first = [row[0] for row in vals]
    rest = [", ".join(f"{k.rsplit('.', 1)[-1]}={row[j + 1]}" for j, k in enumerate(keys[1:])) for row in vals]
    if len(set(first)) == len(first):   # each first value once (a zip, or one key): the others follow it
        rest = [""] * len(vals)
    combos = list(dict.fromkeys(rest))
    plans = list(range(min(len(d["names"]), MAX_PANELS)))
    series = [(i, c) for i in plans for c in combos][:MAX_LEGEND * 2]
    numbers = as_numbers(first)
    levels = sorted(set(numbers)) if numbers is not None else list(dict.fromkeys(first))
    fig, axes = plt.subplots(2, 3, figsize=(15 if len(series) > 6 else 13, 8), sharex=True,
                             constrained_layout=True)
    colours = styles(max(len(series), 1))
    for ax, metric in zip(axes.ravel(), ("exposures", "clicks", "spend", "orders", "roi", "cpc")):
        for k, (i, c) in enumerate(series):
            points = [v for v in range(len(vals)) if rest[v] == c]
            xs = [numbers[v] if numbers is not None else levels.index(first[v]) for v in points]
            mh = np.array([mean_ci(figure_values(d, v, i, metric)) for v in points], dtype=float).reshape(-1, 2)
            order = np.argsort(xs)
            xs, mh = np.asarray(xs, dtype=float)[order], mh[order]
            ok = np.isfinite(mh[:, 0])   # ROI and CPC of points without spend or clicks are undefined
            if ok.sum() > 15:   # a dense sweep: a band reads better than a comb of error bars
                ax.plot(xs[ok], mh[ok, 0], marker="o", markersize=2, color=colours[k])
                ax.fill_between(xs[ok], mh[ok, 0] - mh[ok, 1], mh[ok, 0] + mh[ok, 1], color=colours[k], alpha=0.2,
                                linewidth=0)
            else:
                ax.errorbar(xs[ok], mh[ok, 0], yerr=mh[ok, 1], marker="o", markersize=3, capsize=2, color=colours[k])
        if numbers is None:
            ax.set_xticks(range(len(levels)))
            ax.set_xticklabels(levels, rotation=30, ha="right")
        if ax in axes[1]:   # the x axis is shared: its label under the bottom row
            ax.set_xlabel(keys[0])
        ax.set_ylabel(LABELS[metric])
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    labels = [f"{d['names'][i]}" + (f", {c}" if c else "") for i, c in series]
    legend_beside(fig, axes[0, 2], [Line2D([], [], color=c, marker="o") for c in colours[:len(series)]], labels,
                  "plan" if len(combos) == 1 else "plan, other keys")
    fig.suptitle(f"Sweep of {keys[0]}" + (f" (with {', '.join(keys[1:])})" if len(keys) > 1 and not combos[0] else "")
                 + f", {d['scenario_path']}\nmean per day over replicates and days; error bars or band = 95% CI "
                 "across replicates (ROI and CPC: ratio of means, delta method)")
    return fig
