#!/usr/bin/env bash
# The host's clamp on a strategy's actions (docs/model.md §5): a plugin
# (tests/plugins/wild_actions.c) asks each simulated minute for
# participation NaN, a valid action, participation 7 and a base bid of
# 10^15 li in turn; every broken action is clamped and counted once (1,080
# of a day's 1,440 updates), one asking for NaN every minute is counted
# every minute and never enters an auction, and the run's money stays
# within the platform's bid limit.
set -euo pipefail
BUILD="${BIDSIM_BUILD_DIR:-build}"
BIN="$BUILD/bidsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
plugin="$(cd "$BUILD" && pwd)/plugins/wild_actions.so"
cat > "$tmp/wild.yaml" <<YAML
seed: 11
days: 2
replicates: 2
auction: {slots: 3}
traffic: {impressions_per_day: 40000}
shops: [{name: S, products: [{id: 1, sales: 1000, ctr: 0.05}]}]
plans:
  - {name: P, shop: S, products: [1], bids: {ordinary: 1.40, shop: 2.00, similar: 1.60}}
market: {plans: 40, base_bid: {dist: lognormal, median: 0.9, sigma: 0.3}}
variants:
  - name: fixed
  - name: cycle
    plans: {P: {strategy: {plugin: $plugin, params: {mode: 0}}}}
  - name: nan
    plans: {P: {strategy: {plugin: $plugin, params: {mode: 1}}}}
YAML
"$BIN" run "$tmp/wild.yaml" -o "$tmp/wild.h5" --quiet
/usr/bin/python3 - "$tmp/wild.h5" <<'PY'
import sys, h5py, numpy as np
sys.path.insert(0, "tests/tools")
from resultfile import labels
f = h5py.File(sys.argv[1], "r")
variants = labels(f["variant/variant"])
p = labels(f["plan/plan"]).index("P")
clamps = f["plan/strategy_clamps"][...][..., p]            # variant, replicate, day
exposures = f["plan_hour/exposures"][...][..., p].sum(axis=-1)
clicks = f["plan_hour/clicks"][...][..., p]
spend = f["plan_hour/spend"][...][..., p]
fixed, cycle, nan = (variants.index(v) for v in ("fixed", "cycle", "nan"))
def check(ok, what):
    if not ok:
        sys.exit("FAIL: " + what)
check((clamps[fixed] == 0).all(), f"fixed bids were clamped: {clamps[fixed]}")
check((clamps[cycle] == 1080).all(), f"cycle: {clamps[cycle]} clamps a day, want 1,080 of 1,440 updates")
check((clamps[nan] == 1440).all(), f"NaN every minute: {clamps[nan]} clamps a day, want 1,440")
check((exposures[nan] == 0).all() and (spend[nan] == 0).all(), "a NaN participation entered auctions")
check((exposures[cycle] > 0).all(), "the cycling plan never entered an auction")
# a click never costs more than the platform's highest bid, 99.00 yuan
with np.errstate(divide="ignore", invalid="ignore"):
    worst = np.where(clicks > 0, spend / np.maximum(clicks, 1), 0).max()
check(worst <= 99000, f"an hour's mean price per click {worst} li is above 99.00 yuan")
print("ok: clamps", clamps[cycle].ravel().tolist(), clamps[nan].ravel().tolist())
PY
