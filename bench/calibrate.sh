#!/usr/bin/env bash
# bench/calibrate.sh - the calibration figure of BENCHMARKS.md: the worked
# example's six-value fit (docs/calibration.md: 30 days of 3 plans, 8
# replicates, both cores) timed in alternating rounds, each binary once per
# round, so a ratio compares runs measured side by side on a shared
# machine. Prints one line per binary and round (wall and user seconds,
# simulations, the objective), then the medians.
#
#   bench/calibrate.sh [ROUNDS] [BINARY...]   (default 3 rounds of ./build/bidsim)
#
# A second binary (an older build, say) is the comparison: every round runs
# them all in the order given. About 1.5 to 3 minutes per run.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: bench/calibrate.sh [ROUNDS] [BINARY...]   (a positive number of rounds, default 3)"
rounds=3
bins=()
for a in "$@"; do
  case "$a" in
    -h|--help) echo "$usage"; exit 0 ;;
    *) if [[ "$a" =~ ^[1-9][0-9]*$ ]] && [ ${#bins[@]} -eq 0 ]; then rounds=$a
       elif [ -x "$a" ]; then bins+=("$a")
       else echo "$usage" >&2; echo "bench/calibrate.sh: $a: not a round count or an executable" >&2; exit 2; fi ;;
  esac
done
[ ${#bins[@]} -gt 0 ] || { [ -x ./build/bidsim ] || make build >/dev/null; bins=(./build/bidsim); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
P='shops[小家居].products'
for r in $(seq "$rounds"); do
  for b in "${bins[@]}"; do
    /usr/bin/time -f '%e %U' -o "$tmp/time" "$b" calibrate examples/history/shop.yaml \
      --history examples/history/report.csv -o "$tmp/fitted.yaml" --quiet --format json \
      --fit market.base_bid.median --fit traffic.impressions_per_day \
      --fit "$P[收纳盒].ctr" --fit "$P[收纳盒].cvr" --fit "$P[铸铁锅].ctr" --fit "$P[铸铁锅].cvr" >"$tmp/out.json"
    read -r wall user <"$tmp/time"
    fit=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["simulations"], "%.1f" % d["objective"])' "$tmp/out.json")
    echo "$r $b wall_s $wall user_s $user simulations/J $fit" | tee -a "$tmp/rows"
  done
done
echo "medians over $rounds round(s):"
/usr/bin/python3 - "$tmp/rows" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
order = list(dict.fromkeys(r[1] for r in rows))
med = {}
for b in order:
    mine = [r for r in rows if r[1] == b]
    med[b] = (statistics.median(float(r[3]) for r in mine), statistics.median(float(r[5]) for r in mine))
    print(f"  {b}: wall {med[b][0]:.1f} s, user {med[b][1]:.1f} s, {mine[0][7]} simulations, J {mine[0][8]}")
if len(order) > 1:
    a = order[0]
    for b in order[1:]:
        print(f"  {b} / {a}: wall x{med[b][0] / med[a][0]:.2f}, user x{med[b][1] / med[a][1]:.2f}")
EOF
