#!/usr/bin/env bash
# bidsim report / compare end to end: a simulated market (4 replicates, 2
# days, a capped plan, a plan bidding to a target CPA), a sweep of that
# market (the target x the cap) and the synthetic two-variant file, every
# figure recomputed from the datasets by tests/analysis/check_report.py.
set -euo pipefail
BUILD="${BIDSIM_BUILD_DIR:-build}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/market.yaml" <<'YAML'
seed: 5
days: 2
replicates: 4
auction: {slots: 4}
traffic:
  impressions_per_day: 100000
  segments: {ordinary: 0.7, shop: 0.2, similar: 0.1}
  categories: [{name: a, share: 0.6}, {name: b, share: 0.4}]
shops:
  - name: "Shop, the first"
    products:
      - {id: 1, name: "Lamp", sales: 1000, category: a, ctr: 0.05, cvr: 0.03}
      - {id: 2, name: "Mug", sales: 900, category: b, ctr: 0.04, cvr: 0.02}
  - name: Second
    products: [{id: 7, name: "Kettle", sales: 800, category: b, ctr: 0.045}]
plans:
  - {name: Capped, shop: "Shop, the first", cap: 100, products: [1], bids: {ordinary: 3.00, shop: 5.00, similar: 4.00}}
  - {name: Open, shop: "Shop, the first", products: [2], bids: {ordinary: 1.50, shop: 2.00, similar: 1.80},
     strategy: {kind: target_cpa, params: {target: 40}}}
  - {name: Other, shop: Second, products: [7], bids: {ordinary: 2.00, shop: 2.50, similar: 2.20}}
market:
  plans: 200
  cap: {dist: uniform, min: 100, max: 150}
  unlimited_share: 0.2
YAML
{ cat "$tmp/market.yaml"; cat <<'YAML'
sweep:
  grid:
    plans[Open].strategy.params.target: [20, 60]
    plans[Capped].cap: [100, 150]
YAML
} > "$tmp/sweep.yaml"
{ cat "$tmp/market.yaml"; cat <<'YAML'
variants:
  - name: a_variant_with_a_long_descriptive_name
  - name: fixed_bids_for_the_first_plan_and_a_name_past_forty_columns
    plans: {Capped: {cap: 150}}
YAML
} > "$tmp/variants.yaml"
"$BUILD/bidsim" run "$tmp/market.yaml" -o "$tmp/market.h5" --quiet
"$BUILD/bidsim" run "$tmp/variants.yaml" -o "$tmp/variants.h5" --replicates 2 --quiet
"$BUILD/bidsim" run "$tmp/sweep.yaml" -o "$tmp/sweep.h5" --quiet
"$BUILD/tools/synth_result" "$tmp/synth.h5"
# A plugin is code: run loads it (it asks to), report never does. Other bids
# through tests/plugins/hostile.c, whose constructor touches
# $BIDSIM_TEST_CTOR_MARKER; report still reads Open's target CPA.
plugin="$(cd "$BUILD" && pwd)/plugins/hostile.so"
with_plugin() {   # the market with Other bidding through the plugin
  while IFS= read -r line; do
    case "$line" in
      "  - {name: Other,"*) printf '%s\n' "${line%\}}, strategy: {plugin: '$plugin'}}" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done < "$tmp/market.yaml"
}
with_plugin > "$tmp/plugin.yaml"
grep -q "plugin: '$plugin'" "$tmp/plugin.yaml" || { echo "FAIL: the plugin scenario was not written"; exit 1; }
"$BUILD/bidsim" run "$tmp/plugin.yaml" -o "$tmp/plugin.h5" --replicates 2 --quiet
BIDSIM_TEST_CTOR_MARKER="$tmp/plugin_ran" "$BUILD/bidsim" report "$tmp/plugin.h5" --plan Open --format json \
  > "$tmp/plugin.json"
[ ! -e "$tmp/plugin_ran" ] || { echo "FAIL: report ran the plugin's code"; exit 1; }
grep -q '"target_cpa_yuan":40,' "$tmp/plugin.json" ||
  { echo "FAIL: Open's target CPA beside a plugin plan: $(head -c 400 "$tmp/plugin.json")"; exit 1; }
/usr/bin/python3 tests/analysis/check_report.py "$BUILD/bidsim" "$tmp/market.h5" "$tmp/synth.h5" "$tmp/sweep.h5" \
  "$tmp/variants.h5" "$tmp"
