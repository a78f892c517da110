"""bidsim's figures of one variant through the day: cumulative spend per
plan against its cap, the hourly share of exposures against the traffic,
and when the caps were reached. Each takes the data plot.load() returns and
gives a matplotlib figure; plot.py saves them."""
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MultipleLocator
import numpy as np

HOURS = np.arange(25)  # hour boundaries 0..24 for cumulative curves


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
    caps = d["caps"][d["variant"]]
    # (R*D, 25, L): cumulative yuan at each hour boundary, one row per sample
    spend = d["hour_spend_li"] / 1000.0
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
        if np.isfinite(caps[i]):
            cap = f"cap {caps[i]:g} yuan"
            ax.axhline(caps[i], color=c, linestyle="--", label=cap if n <= 6 else None)
            label += "" if n <= 6 else f", {cap} (dashed)"
        ax.plot(HOURS, cum[:, :, i].mean(axis=0), color=c, label=label)
        # head-room above the band and cap line so the legend covers neither
        top = max(hi.max(), caps[i] if np.isfinite(caps[i]) else 0)
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
    caps = d["caps"][d["variant"]]
    capped = [i for i in range(len(d["names"])) if np.isfinite(caps[i])]
    if not capped:
        no_data(ax, "no plan drawn has a daily cap")
        ax.set_title(f"Daily cap hit times, {title}")
        return fig
    hit_s = d["cap_hit_s"]  # R,D,L
    per_plan = {i: hit_s[..., i].ravel() for i in capped}
    hits = {i: s[s >= 0] / 3600.0 for i, s in per_plan.items()}
    bins = hit_bins(np.concatenate(list(hits.values())))
    for i in capped:
        ax.hist(hits[i], bins=bins, color=colour(i), alpha=0.55, edgecolor=colour(i),
                label=f"{d['names'][i]} (cap {caps[i]:g} yuan): hit on "
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
