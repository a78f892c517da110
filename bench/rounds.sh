#!/usr/bin/env bash
# bench/rounds.sh - the figures of BENCHMARKS.md, measured in alternating
# rounds on a shared machine: within a round every case runs once, one
# after the other, so each ratio compares cases measured side by side.
# Prints one line per case and round, then the medians.
#
#   bench/rounds.sh [ROUNDS] [--personal]   (default 6 rounds; about 2 minutes a round)
#
# Every figure is CPU time (the bench's cpu_ns_per_auction; the run's user
# + system time from /usr/bin/time), which on this shared machine moves by
# a few percent where the wall clock swings by 2-10x with the load.
# --personal: only the personalised cases, the static one at 10,000 plans
# and the end-to-end pair (about a minute a round).
#
# Cases: the static ranking (--static) at 1,000 / 10,000 / 100,000 plans
# (deferred pricing) and 10,000 with eager prices; the personalised ranking
# (bench's default market: shops' reaches summing to 2 per category) at
# 10,000 plans with affinity spreads 0, 0.25, 0.5 and 1, and at 1,000 and
# 100,000 plans with 0.5; `bidsim run` on bench/e2e_10k.yaml (personalised,
# the default) against the personalised engine at 10,000 plans; strategies
# against fixed bids at 10,000 plans (static, as the host's cost is the
# question there); where the Python module is built,
# a numpy strategy over the bench market against fixed bids, both run from
# Python (bench/python_strategy.py).
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: bench/rounds.sh [ROUNDS] [--personal]   (a positive number of rounds, default 6)"
rounds=6 only=all
for a in "$@"; do
  case "$a" in
    -h|--help) echo "$usage"; exit 0 ;;
    --personal) only=personal ;;
    *) if [[ "$a" =~ ^[1-9][0-9]*$ ]]; then rounds=$a; else echo "$usage" >&2; exit 2; fi ;;
  esac
done
B=./build/bidsim
[ -x "$B" ] || make build >/dev/null
out=$(mktemp)
trap 'rm -f "$out" /tmp/bidsim-rounds-$$.h5 /tmp/bidsim-rounds-$$.time' EXIT

ns() {   # CPU ns per auction, the RNG floor and units scored per auction of one bench run
  "$B" bench --json "$@" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["cpu_ns_per_auction"], d["rng_floor_ns_per_auction"], d.get("scored_per_auction", 0))'
}
for r in $(seq "$rounds"); do
  [ "$only" = personal ] || echo "$r engine-1k $(ns --static --campaigns 1000 --repeat 5)"
  echo "$r engine-10k $(ns --static --campaigns 10000 --repeat 5)"
  [ "$only" = personal ] || echo "$r engine-100k $(ns --static --campaigns 100000 --repeat 5)"
  [ "$only" = personal ] || echo "$r engine-10k-eager $(ns --static --campaigns 10000 --repeat 5 --eager-prices)"
  for s in 0 0.25 0.5 1; do echo "$r personal-10k-s$s $(ns --campaigns 10000 --sigma $s)"; done
  echo "$r personal-1k-s0.5 $(ns --campaigns 1000 --sigma 0.5)"
  echo "$r personal-100k-s0.5 $(ns --campaigns 100000 --sigma 0.5)"
  echo "$r e2e-bench $(ns --campaigns 10000)"
  # the run's CPU time per impression (10 million), its build and writing included
  /usr/bin/time -f '%U %S' -o /tmp/bidsim-rounds-$$.time \
    "$B" run bench/e2e_10k.yaml -o /tmp/bidsim-rounds-$$.h5 --threads 1 --progress none --no-summary >/dev/null 2>&1
  echo "$r e2e-run-ns $(python3 -c "import sys; u, s = open(sys.argv[1]).read().split()[-2:]; print((float(u) + float(s)) * 100)" \
                       /tmp/bidsim-rounds-$$.time) 0 0"
  [ "$only" = personal ] && continue
  S="--static --campaigns 10000 --repeat 3"
  echo "$r strat-fixed $(ns $S)"
  echo "$r strat-multiplier-10pct-60s $(ns $S --strategy multiplier --strategy-share 0.1)"
  echo "$r strat-target_roi-10pct-60s $(ns $S --strategy target_roi --strategy-share 0.1)"
  echo "$r strat-multiplier-all-600s $(ns $S --strategy multiplier --strategy-period 600)"
  echo "$r strat-multiplier-all-60s $(ns $S --strategy multiplier)"
  # the Python module's cases, where it is built: bench/e2e_10k.yaml run from
  # Python with fixed bids and with every plan paced by a numpy strategy
  # every minute (bench/python_strategy.py; ns per impression at 10M)
  if [ -d build/python/bidsim ]; then
    for c in fixed py-multiplier; do
      s=$(PYTHONPATH=build/python /usr/bin/python3 bench/python_strategy.py --case $c --once | sed -n 's/.* \([0-9.]*\) s$/\1/p')
      echo "$r python-$c $(python3 -c "print($s * 100)") 0 0"
    done
  fi
done | tee "$out"

python3 - "$out" <<'EOF'
import statistics as st, sys
rows = {}
scored = {}
for line in open(sys.argv[1]):
    r, case, ns, floor, sc = line.split()
    rows.setdefault(case, {})[int(r)] = float(ns)
    scored[case] = float(sc)
def med(xs): return st.median(xs) if xs else float("nan")
print("\nmedians over %d rounds (CPU ns per auction; run: CPU ns per impression, fixed costs included;"
      " units scored per auction, personalised)" % len(rows["engine-10k"]))
for case, v in rows.items():
    print("  %-30s %7.2f %7s   (%s)" % (case, med(list(v.values())), "%.1f" % scored[case] if scored[case] else "",
                                      " / ".join("%.1f" % v[k] for k in sorted(v))))
def ratio(a, b):
    if a not in rows or b not in rows: return float("nan"), "not measured"
    xs = [rows[a][r] / rows[b][r] for r in rows[a] if r in rows[b]]
    return med(xs), " / ".join("%.2f" % x for x in xs)
print("ratios within each round (median; every round):")
for a, b in [("engine-100k", "engine-1k"), ("personal-100k-s0.5", "personal-1k-s0.5"),
             ("personal-10k-s0", "personal-10k-s0.5"), ("personal-10k-s0.25", "personal-10k-s0.5"),
             ("personal-10k-s1", "personal-10k-s0.5"),
             ("personal-10k-s0.5", "engine-10k"), ("e2e-run-ns", "e2e-bench"),
             ("strat-multiplier-10pct-60s", "strat-fixed"), ("strat-target_roi-10pct-60s", "strat-fixed"),
             ("strat-multiplier-all-600s", "strat-fixed"), ("strat-multiplier-all-60s", "strat-fixed"),
             ("python-py-multiplier", "python-fixed")]:
    if a not in rows or b not in rows:
        continue
    m, each = ratio(a, b)
    print("  %-44s %5.2f   (%s)" % (a + " / " + b, m, each))
print("engine at 10,000 plans: %.1f M auctions/s static, %.1f M personalised (sigma 0.5) (medians)"
      % (1e3 / med(list(rows["engine-10k"].values())), 1e3 / med(list(rows["personal-10k-s0.5"].values()))))
EOF
