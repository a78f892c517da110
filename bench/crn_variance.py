"""How much common random numbers buy: for each variant of a result file
against a baseline variant (default: the first), the variance over replicates
of the paired difference (same replicate) of a plan's spend and ROI,
against the variance of the same difference between independent runs
(the baseline taken from another replicate: independent streams, same
market). Usage (Debian's Python):
  ./build/bidsim run scenarios/bid_variants.yaml -o /tmp/crn.h5 --replicates 64 --quiet
  /usr/bin/python3 bench/crn_variance.py /tmp/crn.h5 [BASELINE]"""
import os
import sys
import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "tools"))
from resultfile import labels, yuan  # noqa: E402

with h5py.File(sys.argv[1], "r") as f:
    variants = labels(f["variant/variant"])
    plans = labels(f["plan/plan"])
    listed = f["plan/listed"][...] == 1
    spend = yuan(f["plan_segment/spend"]).sum(axis=(2, 4))        # (V, R, P) yuan
    value = yuan(f["plan_segment/order_value"]).sum(axis=(2, 4))
R = spend.shape[1]
base = variants.index(sys.argv[2]) if len(sys.argv) > 2 else 0
print(f"{R} replicates; variance of B - A over replicates: paired / unpaired / ratio")
print(f"{'variant B':<20} {'plan':<18} {'metric':<7} {'paired':>10} {'unpaired':>10} {'ratio':>7}")
for v, name in enumerate(variants):
    if v == base:
        continue
    for p in np.flatnonzero(listed):
        roi = np.where(spend[:, :, p] > 0, value[:, :, p] / np.maximum(spend[:, :, p], 1e-9), np.nan)
        for metric, x in (("spend", spend[:, :, p]), ("ROI", roi)):
            d_pair = x[v] - x[base]
            d_ind = x[v] - np.roll(x[base], R // 2)
            if np.all(d_pair == 0):
                continue     # the variant does not touch this plan: exactly zero when paired
            a, b = np.nanvar(d_pair, ddof=1), np.nanvar(d_ind, ddof=1)
            print(f"{name:<20} {plans[p]:<18} {metric:<7} {a:>10.2f} {b:>10.2f} {b / a if a > 0 else np.inf:>7.1f}")
