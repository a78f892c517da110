#!/usr/bin/env python3
"""The landscape of one plan across a sweep's points (issue 13).

    check_landscape.py RESULT.h5 PLAN [--expect-staircase]

Per point (variant), the plan's mean exposures and clicks per day over the
replicates. Smooth: never falling as the bid rises (the points share their
traffic and users, so the comparison is paired) and no single step above
10% of the curve's range. With --expect-staircase the check is reversed:
the first model's curve must break the 10% bar (the test has teeth)."""
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from resultfile import labels  # noqa: E402


def curve(path, plan):
    with h5py.File(path, "r") as f:
        names = labels(f["plan/plan"])
        p = names.index(plan)
        out = {}
        for metric in ("exposures", "clicks"):
            d = f["plan_segment/" + metric][()]          # (V, R, D, P, S)
            out[metric] = d[:, :, :, p, :].sum(axis=(2, 3)).mean(axis=1) / d.shape[2]
        return out


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    staircase = "--expect-staircase" in argv
    c = curve(argv[1], argv[2])
    ok = True
    for metric, y in c.items():
        steps = np.diff(y)
        span = y.max() - y.min()
        worst = steps.max() / span if span > 0 else 0.0
        falls = int((steps < 0).sum())
        print("%s: %s from %.1f to %.1f, largest step %.1f%% of the range, %d fall(s)"
              % (argv[2], metric, y[0], y[-1], 100 * worst, falls))
        if staircase:
            ok &= worst > 0.10
        else:
            ok &= span > 0 and worst <= 0.10 and falls == 0
    print("landscape: %s" % ("as expected" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
