#!/usr/bin/env bash
# Bid strategies end to end (tests/sim/check_strategies.py reads the files):
# pacing against fixed bids on scenarios/cap_exhaustion.yaml, target ROI on
# scenarios/target_roi.yaml, the example plugin and the plugins bidsim must
# refuse, and determinism across thread counts with strategies running.
set -euo pipefail
BUILD="${BIDSIM_BUILD_DIR:-build}"
BIN="$BUILD/bidsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$BIN" run scenarios/cap_exhaustion.yaml -o "$tmp/cap.h5" --quiet --replicates 4 --threads 2
"$BIN" run scenarios/cap_exhaustion.yaml -o "$tmp/cap1.h5" --quiet --replicates 4 --threads 1
cmp "$tmp/cap.h5" "$tmp/cap1.h5" || fail "strategies: --threads 1 and 2 differ"
"$BIN" run scenarios/target_roi.yaml -o "$tmp/roi.h5" --quiet --replicates 4

# the example plugin against fixed bids, on the same traffic
plugin="$(cd "$BUILD" && pwd)/plugins/evening_boost.so"
cat > "$tmp/plugin.yaml" <<YAML
seed: 3
days: 1
replicates: 3
auction: {slots: 3}
traffic: {impressions_per_day: 60000}
shops: [{name: S, products: [{id: 1, sales: 1000, ctr: 0.05}]}]
plans:
  - {name: P, shop: S, products: [1], bids: {ordinary: 1.40, shop: 2.00, similar: 1.60}}
market: {plans: 60, base_bid: {dist: lognormal, median: 0.9, sigma: 0.3}}
variants:
  - name: fixed
  - name: boost
    plans: {P: {strategy: {plugin: $plugin, params: {boost: 60, cut: 40}}}}
YAML
"$BIN" run "$tmp/plugin.yaml" -o "$tmp/plugin.h5" --quiet
# competitors in a bid war (market.strategies, swept from 0 to 30%)
"$BIN" run scenarios/bid_war.yaml -o "$tmp/war.h5" --quiet --replicates 2 --days 1
# shop service health on Double 11 (docs/model.md §6)
"$BIN" run scenarios/service_health.yaml -o "$tmp/svc.h5" --quiet --replicates 2
/usr/bin/python3 tests/sim/check_strategies.py "$tmp/cap.h5" "$tmp/roi.h5" "$tmp/plugin.h5" "$tmp/war.h5" "$tmp/svc.h5"

# plugins bidsim must refuse: exit 2, the reason, the key's position
# (abi_mismatch.so declares this bidsim's ABI version + 41)
abi=$(sed -n 's/^#define BIDSIM_STRATEGY_ABI_VERSION \([0-9]*\)$/\1/p' engine/include/bidsim/strategy.h)
[ -n "$abi" ] || fail "no BIDSIM_STRATEGY_ABI_VERSION in strategy.h"
for case in "abi_mismatch.so:built for strategy ABI version $((abi + 41)); this bidsim uses version $abi" \
            "abi_v2.so:built for strategy ABI version 2; this bidsim uses version $abi (rebuild the plugin against" \
            "no_symbol.so:has no symbol bidsim_strategy_plugin" \
            "missing.so:cannot load the plugin"; do
  so=${case%%:*}
  want=${case#*:}
  sed "s|plugin: $plugin|plugin: $(cd "$BUILD" && pwd)/plugins/$so|" "$tmp/plugin.yaml" > "$tmp/bad.yaml"
  set +e
  "$BIN" validate --load-plugins "$tmp/bad.yaml" >/dev/null 2>"$tmp/err"; rc=$?
  set -e
  [ $rc -eq 2 ] || fail "$so: exit $rc, want 2"
  grep -qF "$want" "$tmp/err" || fail "$so: message '$(cat "$tmp/err")' lacks '$want'"
  grep -qE "bad.yaml:[0-9]+:[0-9]+: variants\[1\]\.plans\.P\.strategy\.plugin" "$tmp/err" || fail "$so: no position: $(cat "$tmp/err")"
done
# a parameter the plugin refuses is reported at its own key (ABI 3: create names it)
sed "s|params: {boost: 60, cut: 40}|params: {boost: 60, cut: 40, bost: 3}|" "$tmp/plugin.yaml" > "$tmp/bad.yaml"
set +e
"$BIN" validate --load-plugins "$tmp/bad.yaml" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "unknown plugin parameter: exit $rc, want 2"
grep -qE "bad.yaml:[0-9]+:[0-9]+: variants\[1\]\.plans\.P\.strategy\.params\.bost: strategy evening_boost: unknown parameter 'bost'" \
  "$tmp/err" || fail "unknown plugin parameter not at its key: $(cat "$tmp/err")"
echo "strategies: pacing, target ROI, plugins, determinism: all checks passed"
