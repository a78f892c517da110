#!/usr/bin/env bash
# The default set of fitted values (issue 15): the market's base-bid median
# and sigma, the traffic, the CTR and CVR of each product a reported plan
# shows and, under users.relation per_shop (the default), each such shop's
# reach, its start traffic.segments.shop when the shop does not write one and
# its bounds the format's 0-0.5; under the global relation no reach (it
# changes nothing there). The fit itself is cut to one fitted day and one
# simulation per minimisation: only the choice of values is checked here.
# Under sanitizers (10x slower) only the per_shop case runs.
set -euo pipefail
B=${BIDSIM_BUILD_DIR:-build}/bidsim
PY=/usr/bin/python3
dir=tests/calibrate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {   # SCENARIO OUT.json FITTED.yaml
  "$B" calibrate "$1" --history "$dir/report.csv" -o "$3" --holdout 36 --replicates 2 --max-evals 1 \
    --no-identifiability --format json --quiet > "$2"
}
run "$dir/start.yaml" "$tmp/shop.json" "$tmp/fitted.yaml"
{ cat "$dir/start.yaml"; echo "users: {relation: global}"; } > "$tmp/global.yaml"
if [ "${BIDSIM_SANITIZE:-OFF}" = ON ]; then   # 10x slower: the per_shop case only
  echo null > "$tmp/global.json"
else
  run "$tmp/global.yaml" "$tmp/global.json" "$tmp/fitted_global.yaml"
fi
"$B" validate "$tmp/fitted.yaml" > /dev/null
# the scenario's warnings, as `run` prints them (--quiet silences progress
# only): a bid of 50 written for 0.50
sed 's/bids: {ordinary: 2.20}/bids: {ordinary: 50}/' "$dir/start.yaml" > "$tmp/warn.yaml"
# (loaded, warned, then refused for a missing report: no simulation spent on it)
"$B" calibrate "$tmp/warn.yaml" --history "$tmp/no-such.csv" -o "$tmp/fitted_warn.yaml" --quiet 2> "$tmp/warn.err" && exit 1
[ ! -e "$tmp/fitted_warn.yaml" ]
grep -q "bidsim calibrate: warning: .*warn.yaml:[0-9]*:[0-9]*: plans\[0\].bids.ordinary: bid 50.00 yuan.*did you mean 0.50" "$tmp/warn.err" ||
  { echo "FAIL: no loader warning: $(cat "$tmp/warn.err")"; exit 1; }
"$PY" - "$tmp/shop.json" "$tmp/global.json" "$tmp/fitted.yaml" <<'PY'
import json, sys
p = "shops[小家居]"
want = ["market.base_bid.median", "market.base_bid.sigma", "traffic.impressions_per_day", p + ".reach",
        p + ".products[收纳盒].ctr", p + ".products[收纳盒].cvr", p + ".products[铸铁锅].ctr", p + ".products[铸铁锅].cvr"]
bad = []
shop = {q["key"]: q for q in json.load(open(sys.argv[1], encoding="utf-8"))["parameters"]}
g = json.load(open(sys.argv[2], encoding="utf-8"))
glob = {q["key"]: q for q in g["parameters"]} if g else None
if sorted(shop) != sorted(want): bad.append(f"per_shop fits {sorted(shop)}, want {sorted(want)}")
r = shop.get(p + ".reach")
if r and (r["start"] != 0.10 or r["lo"] != 0 or r["hi"] != 0.5):
    bad.append(f"the reach starts at {r['start']} in [{r['lo']}, {r['hi']}]: want traffic.segments.shop 0.10 in [0, 0.5]")
if glob is not None and sorted(glob) != sorted(k for k in want if not k.endswith(".reach")):
    bad.append(f"global fits {sorted(glob)}")
fitted = open(sys.argv[3], encoding="utf-8").read()
body = fitted.split("the rest is the input with the fitted values set)\n", 1)[1]
if "\n    reach: " not in body: bad.append("the fitted file does not write the shop's reach in its mapping")
for b in bad: print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo "defaults: all checks passed"
