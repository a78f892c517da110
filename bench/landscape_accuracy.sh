#!/usr/bin/env bash
# bench/landscape_accuracy.sh - how far the one-pass landscape is from the
# exact sweep on the shipped scenarios (issue 15; BENCHMARKS.md): for each
# case both methods on the same replicates, then per metric the largest
# relative difference over the points, and the CPU seconds of each.
#   bench/landscape_accuracy.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
B=${1:-build}/bidsim
O=${2:-$(mktemp -d)}
mkdir -p "$O"
cases=(
  "landscape.yaml|Kitchen|--bid 0.50:3.00:0.25|4"
  "landscape.yaml|Kitchen|--premium shop=10%:300%:30%|4"
  "pdd_baseline.yaml|Kitchen|--bid 0.50:3.00:0.25|2"
  "pdd_baseline.yaml|Home bestsellers|--cap 100:1000:100|2"
  "sweep_bids.yaml|Evening push|--bid 0.50:3.00:0.25|2"
  "cap_exhaustion.yaml|Aggressive|--bid 1.00:6.00:0.50|2"
  "double11.yaml|Festival|--bid 0.60:3.00:0.40|2"
  "bid_war.yaml|Challenger|--bid 1.00:9.00:1.00|2"
)
i=0
for c in "${cases[@]}"; do
  IFS='|' read -r sc plan axis reps <<<"$c"
  i=$((i + 1))
  echo "== $sc --plan '$plan' $axis --replicates $reps"
  for mode in one exact; do
    extra=""; [ $mode = exact ] && extra=--exact
    # shellcheck disable=SC2086
    /usr/bin/time -f "$mode: %U s user CPU" "$B" landscape "scenarios/$sc" --plan "$plan" $axis --replicates "$reps" \
      --threads 1 --format csv $extra > "$O/$i.$mode.csv"
  done
  /usr/bin/python3 tests/sim/check_landscape_cmd.py compare "$O/$i.one.csv" "$O/$i.exact.csv" | grep -v '^check:'
done
