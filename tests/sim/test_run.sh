#!/usr/bin/env bash
# End-to-end checks of `bidsim run` against theory, with fixed seeds:
# binomial clicks, diurnal and segment shares, the cap overshoot bound,
# determinism across thread counts and runs, and the HDF5 round trip.
set -euo pipefail
BIN="${BIDSIM_BUILD_DIR:-build}/bidsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One plan alone in its category, one slot, ordinary users only: every
# impression is an exposure and clicks ~ Binomial(exposures, 0.05).
cat > "$tmp/single.yaml" <<'YAML'
seed: 7
days: 2
replicates: 3
auction: {slots: 1}
traffic:
  impressions_per_day: 100000
  segments: {ordinary: 1.0, shop: 0.0, similar: 0.0}
users: {ctr_mult: {ordinary: 1.0}}
shops:
  - name: Solo
    products: [{id: 1, sales: 1000, ctr: 0.05, cvr: 0.02, order_value: {dist: fixed, value: 100}}]
plans:
  - {name: Only, shop: Solo, products: [1], bids: {ordinary: 1.00}}
YAML
# A market with several segments and categories, caps that bind.
cat > "$tmp/market.yaml" <<'YAML'
seed: 11
days: 2
replicates: 4
auction: {slots: 4}
traffic:
  impressions_per_day: 200000
  segments: {ordinary: 0.7, shop: 0.2, similar: 0.1}
  categories: [{name: a, share: 0.6}, {name: b, share: 0.4}]
shops:
  - name: S
    products: [{id: 1, sales: 1000, category: a, ctr: 0.05}]
plans:
  - {name: Capped, shop: S, cap: 100, products: [1], bids: {ordinary: 3.00, shop: 5.00, similar: 4.00}}
market:
  plans: 300
  cap: {dist: uniform, min: 100, max: 150}
  unlimited_share: 0.2
  redraw: once      # /plan/cap holds the caps of one market
YAML
"$BIN" run "$tmp/single.yaml" -o "$tmp/single.h5" --threads 1 --quiet
"$BIN" run "$tmp/market.yaml" -o "$tmp/m1.h5" --threads 1 --quiet
"$BIN" run "$tmp/market.yaml" -o "$tmp/m2.h5" --threads 2 --quiet
"$BIN" run "$tmp/market.yaml" -o "$tmp/m3.h5" --threads 2 --quiet
h5diff "$tmp/m1.h5" "$tmp/m2.h5"          # same datasets for any thread count
cmp "$tmp/m2.h5" "$tmp/m3.h5"             # byte-identical files for identical runs
cmp "$tmp/m1.h5" "$tmp/m2.h5"             # ... and replicates written in order
"$BIN" run "$tmp/market.yaml" -o "$tmp/seed.h5" --threads 2 --quiet --seed 12
if h5diff -q "$tmp/m1.h5" "$tmp/seed.h5" >/dev/null; then echo "FAIL: another seed gave the same results"; exit 1; fi
# an existing file is replaced only by a complete one; a failing run keeps it
cp "$tmp/m1.h5" "$tmp/keep.h5"
if "$BIN" run scenarios/invalid/bid_below_min.yaml -o "$tmp/keep.h5" --quiet 2>/dev/null; then exit 1; fi
cmp "$tmp/m1.h5" "$tmp/keep.h5"
/usr/bin/python3 tests/sim/check_run.py "$tmp/single.h5" "$tmp/m1.h5"
