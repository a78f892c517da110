#!/usr/bin/env python3
"""Format 2 to 3, values unchanged: every dataset of a version 2 result
maps to one of a version 3 result of the same run, with the same values.

    compare_format2.py OLD_V2.h5 NEW_V3.h5

Run by hand when the format changed (the commit that introduced format 3
ran it on every shipped scenario and both golden scenarios, each written
by the bidsim before and after). Exit 1 listing each dataset whose values
differ, any old dataset without a new one, and the new datasets that have
no old counterpart (the additions, printed for information)."""
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resultfile import labels  # noqa: E402

RENAMED = {
    "scales/variant": "variant/variant", "scales/replicate": "variant/replicate", "scales/day": "plan/day",
    "scales/hour": "plan_hour/hour", "scales/segment": "plan_segment/segment", "scales/plan": "plan/plan",
    "scales/product": "product/id", "plan/name": "plan/plan", "plan/cap_li": "plan/cap",
    "plan/service_penalty_li": "plan/service_penalty", "product/name": "product/product",
    "product/plan": "product/plan_index", "variant/cap_li": "variant/cap", "variant/sweep_keys": "variant/sweep_key",
    "variant/sweep_values": "variant/sweep_value",
}
for g in ("plan_segment", "plan_hour", "product"):
    RENAMED[g + "/spend_li"] = g + "/spend"
    RENAMED[g + "/order_value_li"] = g + "/order_value"


def datasets(f):
    out = []
    f.visititems(lambda p, o: out.append(p) if isinstance(o, h5py.Dataset) else None)
    return out


def values(f, path):
    d = f[path]
    if d.dtype.kind == "S" and d.dtype.itemsize == 1 and d.ndim >= 2:   # a version 3 char array
        return np.array(labels(d), dtype=object).reshape(d.shape[:-1])
    a = d[()]
    if a.dtype.kind in "SO":
        return np.array([x.decode() if isinstance(x, bytes) else x for x in a.ravel()], dtype=object).reshape(a.shape)
    return a


def main(old_path, new_path):
    bad, mapped = [], set()
    with h5py.File(old_path, "r") as old, h5py.File(new_path, "r") as new:
        if int(old.attrs["format_version"]) != 2 or int(new.attrs["format_version"]) != 3:
            print("compare_format2: expects a version 2 and a version 3 file")
            return 2
        for p in datasets(old):
            q = RENAMED.get(p, p)
            if q not in new:
                bad.append(f"{p}: no {q} in the new file")
                continue
            mapped.add(q)
            a, b = values(old, p), values(new, q)
            if a.shape != b.shape or not np.array_equal(a, b):
                bad.append(f"{p} -> {q}: values differ")
        added = sorted(q for q in datasets(new) if q not in mapped and not q.endswith("_strlen")
                       and q.split("/")[-1] not in ("variant", "replicate", "day", "hour", "segment", "plan",
                                                    "product", "slot", "draw", "category", "sweep_key"))
    for line in bad:
        print("compare_format2: " + line)
    print(f"compare_format2: {len(mapped)} datasets of {old_path} equal in {new_path}; added: {', '.join(added)}")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
