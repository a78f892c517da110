"""Checks of bid strategies on simulated results (called by
test_strategies.sh with Debian's /usr/bin/python3 and h5py). The figures
the issue asks for, as assertions:
  - cap_exhaustion.yaml: fixed bids reach the 15,000-yuan cap by
    mid-afternoon; multiplier, throttle and PID pacing spend within 5% of the
    cap on average, still spend in the day's last four hours, and reach the
    cap (if at all) at least four hours later than fixed bids;
  - target_roi.yaml: for the feasible targets 3, 4 and 6 the realised ROI
    (order value / spend over all replicates) is within 10% of the target;
  - the example plugin: evening boost puts a larger share of the plan's
    exposures into 19:00-23:00 than fixed bids do;
  - bid_war.yaml: with 30% of the competitors in a bid war the market's
    average price per click rises by more than 15%, with all of them by
    more than a third (the war's limit is 150% of each bid; those holding
    the top slot drift back);
  - service_health.yaml: the shop that answers 25 users an hour fails the
    platform's check on Nov 11 (at least 100 consulting users, under 50%
    replied within the hour), is fined 1,000 yuan and has no ads on exactly
    the next three days; with 200 an hour it is never penalised."""
import os
import sys
import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from checks import check, finish  # noqa: E402
from resultfile import labels, yuan  # noqa: E402




def names(f):
    return labels(f["variant/variant"])


with h5py.File(sys.argv[1], "r") as f:
    v = names(f)
    spend = yuan(f["plan_hour/spend"])[..., 0]                   # (V, R, D, 24) yuan, plan 0
    day = spend.sum(axis=3)                                        # (V, R, D)
    hit = f["plan/cap_hit_s"][...][..., 0]                         # (V, R, D)
    clamps = f["plan/strategy_clamps"][...][..., 0]
    fixed = v.index("fixed")
    cap = yuan(f["variant/cap"])[fixed, 0]
    fixed_hit = np.where(hit[fixed] >= 0, hit[fixed], 86400).mean()
    check((hit[fixed] >= 0).all() and fixed_hit < 17 * 3600,
          f"fixed bids should reach the cap by mid-afternoon, mean {fixed_hit / 3600:.1f} h")
    for name in ("multiplier", "throttle", "pid"):
        i = v.index(name)
        mean = day[i].mean()
        check(abs(mean - cap) <= 0.05 * cap, f"{name}: mean daily spend {mean:.1f}, not within 5% of {cap:.0f}")
        late = spend[i][..., 20:].sum(axis=2).mean()
        check(late > 0.1 * cap, f"{name}: spends {late:.1f} yuan in 20:00-24:00, expected pacing to keep some for the evening")
        h = np.where(hit[i] >= 0, hit[i], 86400).mean()
        check(h > fixed_hit + 4 * 3600, f"{name}: cap reached at {h:.0f} s on average, fixed at {fixed_hit:.0f} s")
        print(f"{name}: {mean:.1f} yuan/day, {late:.1f} after 20:00, cap at {h / 3600:.1f} h (fixed {fixed_hit / 3600:.2f} h)")
    check((clamps >= 0).all(), "clamp counts are counts")

with h5py.File(sys.argv[2], "r") as f:
    v = names(f)
    ov = f["plan_segment/order_value"][...][..., 0, :].sum(axis=(1, 2, 3))   # per variant
    sp = f["plan_segment/spend"][...][..., 0, :].sum(axis=(1, 2, 3))
    for target in (3, 4, 6):
        i = v.index(f"roi_{target}")
        roi = ov[i] / sp[i]
        check(abs(roi - target) <= 0.10 * target, f"target ROI {target}: realised {roi:.2f}, not within 10%")
        print(f"target ROI {target}: realised {roi:.2f}")

with h5py.File(sys.argv[3], "r") as f:
    v = names(f)
    e = f["plan_hour/exposures"][...][..., 0].sum(axis=(1, 2))        # (V, 24)
    share = e[:, 19:23].sum(axis=1) / np.maximum(e.sum(axis=1), 1)
    fixed, boost = v.index("fixed"), v.index("boost")
    check(share[boost] > share[fixed] + 0.2, f"evening share: boost {share[boost]:.2f}, fixed {share[fixed]:.2f}")
    print(f"plugin evening share {share[boost]:.2f} against fixed {share[fixed]:.2f}")

with h5py.File(sys.argv[4], "r") as f:
    v = names(f)
    sp = yuan(f["plan_segment/spend"]).sum(axis=(1, 2, 3, 4))
    cl = f["plan_segment/clicks"][...].sum(axis=(1, 2, 3, 4))
    calm, war, all_war = v.index("share=0"), v.index("share=0.3"), v.index("share=1")
    cpc = sp / np.maximum(cl, 1)
    check(cpc[war] > 1.15 * cpc[calm], f"bid war: market CPC {cpc[war]:.2f} against {cpc[calm]:.2f} without")
    check(cpc[all_war] > 4 / 3 * cpc[calm], f"bid war of all: market CPC {cpc[all_war]:.2f} against {cpc[calm]:.2f}")
    print(f"bid war: market CPC {cpc[war]:.2f} yuan (30% at war), {cpc[all_war]:.2f} (all) against {cpc[calm]:.2f} without")

with h5py.File(sys.argv[5], "r") as f:
    v = names(f)
    days = labels(f["plan/day"])
    consults = f["plan/service_consults"][...][..., 0]        # (V, R, D)
    replied = f["plan/service_replied"][...][..., 0]
    paused = f["plan/service_paused"][...][..., 0]
    penalty = f["plan/service_penalty"][...][..., 0]             # li, exact
    expo = f["plan_segment/exposures"][...][..., 0, :].sum(axis=3)
    low, high = v.index("capacity_per_hour=25"), v.index("capacity_per_hour=200")
    d11 = days.index("2026-11-11")
    for r in range(consults.shape[1]):
        check(consults[low, r, d11] >= 100 and 2 * replied[low, r, d11] < consults[low, r, d11],
              f"r{r}: Nov 11 should fail the check: {consults[low, r, d11]} users, {replied[low, r, d11]} replied")
        check(penalty[low, r, d11] == 1000000 and (penalty[low, r, :d11] == 0).all(), f"r{r}: the penalty on Nov 11 only")
        want = [1 if d11 < d <= d11 + 3 else 0 for d in range(len(days))]
        check(list(paused[low, r]) == want, f"r{r}: paused {list(paused[low, r])}, want {want}")
        check((expo[low, r, d11 + 1:d11 + 4] == 0).all() and expo[low, r, d11 + 4] > 0, f"r{r}: ads out for exactly three days")
        check((paused[high, r] == 0).all() and (penalty[high, r] == 0).all(), f"r{r}: 200 replies an hour is never penalised")
        for d in range(len(days)):   # the rule at its boundaries, from the recorded figures
            fails = consults[low, r, d] >= 100 and 100 * replied[low, r, d] < 50 * consults[low, r, d]
            check((penalty[low, r, d] > 0) == fails, f"r{r} {days[d]}: penalty {penalty[low, r, d]} against the rule")
    print(f"service: Nov 11 {consults[low, :, d11].mean():.0f} users, {replied[low, :, d11].mean():.0f} replied; "
          f"ads out {int(paused[low, 0].sum())} days")

finish("strategies")
