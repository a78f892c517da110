#!/usr/bin/env bash
# bidsim run's closing summary, end to end: one table per variant (never a
# sum across variants), each figure the mean `bidsim report` gives, and a
# sweep too large to list shown by its first point and a pointer to
# report and compare (tests/analysis/check_summary.py).
set -euo pipefail
BUILD="${BIDSIM_BUILD_DIR:-build}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/base.yaml" <<'YAML'
seed: 11
days: 2
replicates: 3
auction: {slots: 3}
traffic:
  impressions_per_day: 30000
  categories: [{name: a, share: 0.6}, {name: b, share: 0.4}]
shops:
  - name: S
    products:
      - {id: 1, name: Lamp, sales: 1000, category: a, ctr: 0.05, cvr: 0.03}
      - {id: 2, name: Mug, sales: 900, category: b, ctr: 0.04, cvr: 0.02}
plans:
  - {name: Capped, shop: S, cap: 100, products: [1], bids: {ordinary: 3.00, shop: 5.00, similar: 4.00}}
  - {name: 厨房 plan, shop: S, products: [2], bids: {ordinary: 1.50, shop: 2.00, similar: 1.80}}
market:
  plans: 100
  cap: {dist: uniform, min: 100, max: 150}
YAML
# five variants that leave Capped's 100-yuan cap alone: a sum across
# variants would show it spending five times its cap
{ cat "$tmp/base.yaml"; cat <<'YAML'
variants:
  - name: current
  - name: lower
    plans: {厨房 plan: {bids: {ordinary: 1.20, shop: 1.60, similar: 1.44}}}
  - name: higher
    plans: {厨房 plan: {bids: {ordinary: 1.80, shop: 2.40, similar: 2.16}}}
  - name: open_cap
    plans: {厨房 plan: {cap: 500}}
  - name: same
YAML
} > "$tmp/variants.yaml"
# 21 sweep points x 2 plans: too many rows to list
{ cat "$tmp/base.yaml"; cat <<'YAML'
sweep:
  grid:
    plans[Capped].cap: {start: 100, stop: 120, step: 1}
YAML
} > "$tmp/sweep.yaml"
for s in base variants sweep; do
  "$BUILD/bidsim" run "$tmp/$s.yaml" -o "$tmp/$s.h5" --threads 2 --progress none > "$tmp/$s.txt"
done
/usr/bin/python3 tests/analysis/check_summary.py "$BUILD/bidsim" "$tmp"
