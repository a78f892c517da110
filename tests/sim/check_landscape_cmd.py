#!/usr/bin/env python3
"""Checks on `bidsim landscape --format csv` output (issue 15).

    check_landscape_cmd.py monotone LAND.csv METRIC...
        each metric's mean never falls from one simulated point to the next
    check_landscape_cmd.py premium LAND.csv SHOP_PCT SIMILAR_PCT
        every simulated point's segment bids are its base bid plus the
        percent, rounded up to whole fen as the platform does (premiums
        kept as percentages)
    check_landscape_cmd.py skipped LAND.csv VALUE TEXT
        the point at VALUE is skipped and its rule contains TEXT
    check_landscape_cmd.py compare ONE.csv EXACT.csv [METRIC=TOL ...]
        per metric the largest relative difference |one - exact| / |exact|
        over the points; with tolerances, fails when one exceeds its own
"""
import csv
import math
import sys

METRICS = ["exposures", "clicks", "spend", "orders", "order_value", "roi", "cpc", "top_share"]


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def num(s):
    return float(s) if s != "" else math.nan


def monotone(path, metrics):
    r = [x for x in rows(path) if x["skipped"] == "0"]
    ok = len(r) >= 2
    for m in metrics:
        y = [num(x[m]) for x in r]
        falls = [(r[i]["value"], y[i], y[i + 1]) for i in range(len(y) - 1) if y[i + 1] < y[i]]
        print(f"{m}: {len(y)} points from {y[0]:.1f} to {y[-1]:.1f}, {len(falls)} fall(s) {falls[:3]}")
        ok &= not falls and y[-1] > y[0]
    return ok


def premium(path, shop, similar):
    ok = True
    n = 0
    for x in rows(path):
        if x["skipped"] != "0":
            continue
        base = round(num(x["bid_ordinary"]) * 100)  # fen
        for key, pct in (("bid_shop", shop), ("bid_similar", similar)):
            want = -(-base * (100 + pct) // 100)  # rounded up, in whole fen
            got = round(num(x[key]) * 100)
            if got != want:
                print(f"point {x['value']}: {key} {got} fen is not {base} fen + {pct}% = {want} fen")
                ok = False
        n += 1
    print(f"premium: {n} points checked")
    return ok and n > 0


def skipped(path, value, text):
    for x in rows(path):
        if abs(num(x["value"]) - value) < 1e-9:
            print(f"point {value}: skipped={x['skipped']} rule={x['rule']!r}")
            return x["skipped"] == "1" and text in x["rule"]
    print(f"no point at {value}")
    return False


def compare(one_path, exact_path, tols):
    one, ex = rows(one_path), rows(exact_path)
    ok = len(one) == len(ex) and len(one) > 0
    worst = {}
    for m in METRICS:
        w = 0.0
        at = None
        for a, b in zip(one, ex):
            if a["skipped"] != "0" or b["skipped"] != "0":
                continue
            va, vb = num(a[m]), num(b[m])
            if math.isnan(vb) or vb == 0:
                continue
            d = abs(va - vb) / abs(vb)
            if d > w:
                w, at = d, a["value"]
        worst[m] = w
        tol = tols.get(m)
        flag = "" if tol is None else (" ok" if w <= tol else f" ABOVE {tol:.3f}")
        print(f"{m:12s} largest relative difference {100 * w:6.2f}% (at {at}){flag}")
        if tol is not None and w > tol:
            ok = False
    return ok


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "monotone":
        ok = monotone(argv[2], argv[3:])
    elif cmd == "premium":
        ok = premium(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "skipped":
        ok = skipped(argv[2], float(argv[3]), argv[4])
    elif cmd == "compare":
        ok = compare(argv[2], argv[3], {k: float(v) for k, v in (a.split("=") for a in argv[4:])})
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print("check: %s" % ("passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
