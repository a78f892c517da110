"""Statistical and consistency checks on `bidsim run` output (called by
tests/sim/test_run.sh with Debian's /usr/bin/python3 and h5py). Tolerances
come from the sampling distributions, with fixed seeds:
  binomial counts: |x - np| < 4.5 sd      (two-sided p ~ 7e-6 per check)
  chi-square:      below the 0.9999 quantile for its degrees of freedom."""
import os
import sys
import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from checks import check, finish  # noqa: E402
from resultfile import labels  # noqa: E402

DIURNAL = np.array([4.7, 3.0, 1.7, 1.1, 0.9, 1.0, 1.6, 2.8, 3.8, 4.6, 4.9, 4.9,
                    5.1, 4.9, 4.6, 4.6, 4.7, 4.6, 4.8, 5.5, 6.4, 7.0, 6.8, 6.0])
DIURNAL = DIURNAL / DIURNAL.sum()



def binom_ok(x, n, p, what):
    sd = np.sqrt(n * p * (1 - p))
    z = (x - n * p) / sd
    check(abs(z) < 4.5, f"{what}: {x} vs n p = {n * p:.1f} (z = {z:.2f})")


def chi2_quantile_9999(df):
    # Wilson-Hilferty approximation of the 0.9999 quantile (z = 3.719)
    z = 3.719
    return df * (1 - 2 / (9 * df) + z * np.sqrt(2 / (9 * df))) ** 3


single, market = sys.argv[1], sys.argv[2]
with h5py.File(single, "r") as f:
    check(f.attrs["format"] in (b"bidsim-result", "bidsim-result"), "format attribute")
    imp = f["traffic/impressions"][...]           # (V, R, D, 24, S)
    ps = {m: f["plan_segment/" + m][...] for m in ("exposures", "clicks", "spend", "conversions", "order_value")}
    V, R, D, P, S = ps["clicks"].shape
    check((V, P, S) == (1, 1, 3), f"shape {ps['clicks'].shape}")
    for r in range(R):
        for d in range(D):
            n = int(imp[0, r, d].sum())
            e = int(ps["exposures"][0, r, d, 0].sum())
            c = int(ps["clicks"][0, r, d, 0].sum())
            k = int(ps["conversions"][0, r, d, 0].sum())
            check(e == n, f"r{r} d{d}: one slot, one plan: exposures {e} == impressions {n}")
            binom_ok(c, e, 0.05, f"r{r} d{d} clicks ~ Bin(exposures, 0.05)")
            binom_ok(k, c, 0.02, f"r{r} d{d} conversions ~ Bin(clicks, 0.02)")
            check(int(ps["spend"][0, r, d, 0].sum()) == 100 * c, "alone: every click at the reserve 0.10 yuan")
            check(int(ps["order_value"][0, r, d, 0].sum()) == 100000 * k, "fixed order value 100 yuan")
            # arrivals per hour are Poisson(mean x diurnal share)
            mean = 100000 * DIURNAL
            hours = imp[0, r, d].sum(axis=1)
            chi2 = float((((hours - mean) ** 2) / mean).sum())
            check(chi2 < chi2_quantile_9999(24), f"r{r} d{d} hourly arrivals vs diurnal: chi2 {chi2:.1f}")
            # Poisson day totals: mean 100000, sd 316
            check(abs(n - 100000) < 4.5 * np.sqrt(100000), f"r{r} d{d} daily impressions {n}")

with h5py.File(market, "r") as f:
    imp = f["traffic/impressions"][...]
    # traffic/impressions counts each impression under its base relation:
    # under the default per-shop model the shop relation is each plan's own
    # (docs/model.md §3), so the shares are ordinary and similar alone
    shares = np.array([0.7, 0.0, 0.1]) / 0.8
    V, R, D = imp.shape[:3]
    for r in range(R):
        for d in range(D):
            seg = imp[0, r, d].sum(axis=0)
            check(seg[1] == 0, f"r{r} d{d} impressions under the shop relation: {seg[1]}")
            exp = seg.sum() * shares[[0, 2]]
            chi2 = float((((seg[[0, 2]] - exp) ** 2) / exp).sum())
            check(chi2 < chi2_quantile_9999(1), f"r{r} d{d} segment shares {seg} chi2 {chi2:.1f}")
    # the same metric summed three ways agrees: per segment, per hour, per product
    for m in ("exposures", "clicks", "spend", "conversions", "order_value"):
        a = f["plan_segment/" + m][...].sum(axis=(3, 4))
        b = f["plan_hour/" + m][...].sum(axis=(3, 4))
        c = f["product/" + m][...].sum(axis=3)
        check((a == b).all() and (a == c).all(), f"{m}: plan x segment, plan x hour and product totals differ")
    spend = f["plan_segment/spend"][...].sum(axis=4)     # (V, R, D, P)
    clicks = f["plan_segment/clicks"][...].sum(axis=4)
    cap = f["plan/cap"][...]
    hit = f["plan/cap_hit_s"][...]
    capped = cap < np.iinfo(np.int64).max
    over = spend[..., capped] - cap[capped]
    # platform mode: stops once spend reaches the cap, so overshoot < one click (<= 99 yuan)
    check((over < 99000).all(), f"overshoot beyond one click: max {over.max()}")
    check((spend[0, :, :, 0] - 100000 < 5000).all(), "listed plan: overshoot < its top bid 5.00 yuan")
    reached = spend[..., capped] >= cap[capped]
    check(((hit[..., capped] >= 0) == reached).all(), "cap_hit_s set exactly when the cap was reached")
    check(reached.any(), "caps of 100-150 yuan should bind in this market")
    check(((hit >= -1) & (hit < 86400)).all(), "cap_hit_s is -1 or a second of the day")
    check((clicks <= f["plan_segment/exposures"][...].sum(axis=4)).all(), "clicks <= exposures")
    names = labels(f["plan/plan"])
    check(names[0] == "Capped", f"listed plan first: {names[:2]}")
    check(int(f["plan/listed"][0]) == 1 and int(f["plan/listed"][1]) == 0, "listed flags")
    check(len(f["plan/plan"]) == 301, "plan scale")
    check(f["plan_segment/clicks"].attrs["units"] in (b"count", "count"), "units attribute")

finish("run")
