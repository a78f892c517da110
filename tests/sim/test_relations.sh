#!/usr/bin/env bash
# Retargeting is per shop, and clicks happen at the predicted CTR (issue 13).
#  1. Every user visited the listed shop (reach 1) and no generated shop
#     (reach 0): the listed plan bids its shop bid to everyone, and no rival
#     ever shows in its shop segment.
#  2. Nobody visited the listed shop, every rival has a reach of 20%: the
#     listed plan is never in its shop segment, rivals are (for their own
#     visitors).
#  3. CTR per (slot, relation): plan A far above plan B, both shown on every
#     impression, so each one's affinity averages 1 and its CTR in each
#     relation is examination(slot) x the product's CTR x the relation's
#     multiplier, within 4 binomial standard deviations.
set -euo pipefail
B=${BIDSIM_BUILD_DIR:-build}/bidsim
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
scenario() {   # scenario LISTED_REACH MARKET_REACH PLANS_IN_MARKET FILE
  cat > "$4" <<YAML
seed: 99
days: 1
replicates: 2
auction: {slots: 2, examination_eta: 1.0}
traffic:
  impressions_per_day: 40000
  segments: {ordinary: 0.6, shop: 0.25, similar: 0.15}
  categories: [{name: home, share: 1.0}]
users:
  relation: per_shop
  affinity: {sigma: 0.5}
  ctr_mult: {ordinary: 1.0, shop: 2.0, similar: 1.4}
shops:
  - name: Listed
    reach: $1
    products:
      - {id: 1, sales: 5000, ctr: 0.05, cvr: 0.02}
      - {id: 2, sales: 5000, ctr: 0.03, cvr: 0.02}
  - name: Other
    reach: 0
    products: [{id: 9, sales: 5000, ctr: 0.04, cvr: 0.02}]
plans:
  - {name: A, shop: Listed, products: [1], bids: {ordinary: 20.00, shop: 40.00, similar: 22.00}}
  - {name: B, shop: Other, products: [9], bids: {ordinary: 1.00, shop: 2.00, similar: 1.10}}
market:
  plans: $3
  base_bid: {dist: lognormal, median: 3.0, sigma: 0.3}
  reach: {dist: fixed, value: $2}
YAML
}
scenario 1.0 0.0 300 "$T/r1.yaml"
scenario 0.0 0.2 300 "$T/r2.yaml"
scenario 0.3 0.0 0 "$T/ctr.yaml"
for s in r1 r2 ctr; do "$B" run "$T/$s.yaml" -o "$T/$s.h5" -q; done
/usr/bin/python3 - "$T" <<'PY'
import math, sys
import h5py
import numpy as np
T = sys.argv[1]
ORD, SHOP, SIM = 0, 1, 2
def seg(path):
    with h5py.File(path, "r") as f:
        return (f["plan_segment/exposures"][()].sum(axis=(0, 1, 2)), f["plan_segment/clicks"][()].sum(axis=(0, 1, 2)))
fails = 0
def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok
e, _ = seg(T + "/r1.h5")                      # (plans, segments); plan 0 = A, 2.. rivals
check(e[0, SHOP] == e[0].sum() > 0, "reach 1: every exposure of A is in its shop segment (%d of %d)" % (e[0, SHOP], e[0].sum()))
check(e[2:, SHOP].sum() == 0 and e[2:].sum() > 0, "reach 0 rivals: none in the shop segment (%d exposures in all)" % e[2:].sum())
e, _ = seg(T + "/r2.h5")
check(e[0, SHOP] == 0 and e[0].sum() > 0, "nobody visited the listed shop: A never in its shop segment")
share = e[2:, SHOP].sum() / e[2:].sum()
check(share > 0.1, "rivals of reach 20%%: %.0f%% of their exposures to their own visitors" % (100 * share))
e, c = seg(T + "/ctr.h5")
ctr = {0: 0.05, 1: 0.04}; exam = {0: 1.0, 1: 0.5}; mult = {ORD: 1.0, SHOP: 2.0, SIM: 1.4}
for plan, slot in ((0, 0), (1, 1)):
    for rel in (ORD, SHOP, SIM):
        n, k = e[plan, rel], c[plan, rel]
        if plan == 1 and rel == SHOP:   # B's shop has no visitors
            check(n == 0, "B: no shop-segment exposures (reach 0)")
            continue
        p = exam[slot] * ctr[plan] * mult[rel]
        sd = math.sqrt(n * p * (1 - p))
        check(abs(k - n * p) < 4 * sd, "%s slot %d relation %d: CTR %.4f, model %.4f (n=%d, 4 sd = %.4f)"
              % ("AB"[plan], slot + 1, rel, k / n, p, n, 4 * sd / n))
sys.exit(1 if fails else 0)
PY
