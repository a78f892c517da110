#!/usr/bin/env bash
# bidsim plot end to end (tests/analysis/check_plot.py): every figure of a
# run with Chinese shop, plan and product names and three variants, of a
# sweep and of the synthetic file is a real PNG, drawn without a warning
# (a missing CJK glyph fails: fonts-noto-cjk); --plan, --shop and --days
# reach the data drawn; the paired-differences figure's intervals are
# compare's.
set -euo pipefail
BUILD="${BIDSIM_BUILD_DIR:-build}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/cjk.yaml" <<'YAML'
seed: 8
days: 3
start_date: 2026-11-10
replicates: 4
auction: {slots: 4}
traffic:
  impressions_per_day: 40000
  categories: [{name: 家居, share: 0.6}, {name: 厨房, share: 0.4}]
shops:
  - name: 家居旗舰店
    products:
      - {id: 1, name: 竹制收纳盒, sales: 1000, category: 家居, ctr: 0.05, cvr: 0.03}
      - {id: 2, name: 铸铁煎锅, sales: 900, category: 厨房, ctr: 0.04, cvr: 0.02}
plans:
  - {name: 家居爆款, shop: 家居旗舰店, cap: 100, products: [1], bids: {ordinary: 3.00, shop: 5.00, similar: 4.00}}
  - {name: 厨房推广, shop: 家居旗舰店, products: [2], bids: {ordinary: 1.50, shop: 2.00, similar: 1.80}}
market:
  plans: 150
  cap: {dist: uniform, min: 100, max: 150}
variants:
  - name: 现行
  - name: 预算翻倍
    plans: {家居爆款: {cap: 200}}
  - name: 匀速投放
    plans: {家居爆款: {strategy: {kind: multiplier, params: {eps: 0.05}}}}
YAML
cat > "$tmp/sweep.yaml" <<'YAML'
seed: 3
days: 1
replicates: 3
traffic: {impressions_per_day: 20000, categories: [{name: a, share: 1}]}
shops:
  - name: S
    products: [{id: 1, name: P, sales: 1000, category: a}]
plans:
  - {name: A, shop: S, cap: 100, products: [1], bids: {ordinary: 1.00}}
market: {plans: 60}
sweep:
  grid:
    plans[A].bids.ordinary: [0.60, 1.00, 1.40]
YAML
"$BUILD/bidsim" run "$tmp/cjk.yaml" -o "$tmp/cjk.h5" --quiet
"$BUILD/bidsim" run "$tmp/sweep.yaml" -o "$tmp/sweep.h5" --quiet
"$BUILD/tools/synth_result" "$tmp/synth.h5"
/usr/bin/python3 tests/analysis/check_plot.py "$BUILD/bidsim" "$tmp"
