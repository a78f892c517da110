"""The estimators behind bidsim's figures, the same as `bidsim report` and
`bidsim compare` use (analysis/stats.c; why: docs/analysis.md): means and
ratios of means over replicates with 95% Student-t intervals, the ratio's
through its delta-method linearisation, and paired differences of two
variants replicate by replicate. Also the unpaired interval of a
difference, which the paired-differences figure draws beside the paired one
to show what pairing buys. Pure numpy; imported by plot.py."""
import numpy as np

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
    if df < 1:
        return np.nan
    rows = [30, 40, 60, 120]
    for lo, hi in zip(rows, rows[1:]):
        if lo < df < hi:
            w = (1 / lo - 1 / df) / (1 / lo - 1 / hi)
            return T975[lo] + w * (T975[hi] - T975[lo])
    if df < 30:  # a fractional Welch df between table rows
        lo = int(df)
        return T975[lo] + (df - lo) * (T975[lo + 1] - T975[lo])
    return 1.96 + (T975[120] - 1.96) * 120 / df  # df > 120, towards 1.96


def pseudo_values(num, den=None):
    """A figure's per-replicate values for its interval: the values
    themselves for a mean (den None), else the ratio of means'
    linearisation R + (num - R den) / mean(den), whose mean is exactly R.
    All NaN when every den is 0 (the ratio is undefined)."""
    num = np.asarray(num, dtype=float)
    if den is None:
        return num
    den = np.asarray(den, dtype=float)
    if len(num) == 0 or den.sum() == 0:
        return np.full(len(num), np.nan)
    r = num.sum() / den.sum()
    return r + (num - r * den) / den.mean()


def mean_ci(y):
    """mean and half-width of the 95% t interval of values y (NaN skipped;
    half-width 0 for one value, NaN for none)"""
    y = np.asarray(y, dtype=float)
    y = y[~np.isnan(y)]
    if len(y) == 0:
        return np.nan, np.nan
    if len(y) == 1:
        return y[0], 0.0
    return y.mean(), t975(len(y) - 1) * y.std(ddof=1) / np.sqrt(len(y))


def ratio_ci(num, den):
    """The ratio of means over replicates and the half-width of its 95%
    delta-method interval: the Student-t interval of the pseudo-values
    R + (num - R den) / mean(den), as `bidsim report` gives it
    (analysis/stats.c; docs/analysis.md). A replicate with den = 0 counts;
    NaN only when every den is 0."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    if len(num) == 0 or den.sum() == 0:
        return np.nan, np.nan
    return mean_ci(pseudo_values(num, den))


def paired_ci(a, b):
    """B - A over replicates from two figures' per-replicate values (pseudo
    values for ratios): the mean difference and the half-width of its
    paired 95% t interval, as `bidsim compare` gives them"""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = ~(np.isnan(a) | np.isnan(b))
    return mean_ci(b[ok] - a[ok])


def unpaired_ci(a, b):
    """B - A as if the two variants had been run on independent random
    numbers: the difference of the means and the Welch half-width
    t(df) sqrt(s_a^2 / n_a + s_b^2 / n_b). Drawn beside the paired interval
    only to show how much wider an analyst comparing two reports would
    think the uncertainty is."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) < 2 or len(b) < 2:
        return np.nan, np.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    if va + vb == 0:
        return b.mean() - a.mean(), 0.0
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return b.mean() - a.mean(), t975(df) * np.sqrt(va + vb)
