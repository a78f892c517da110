#!/usr/bin/env bash
# `bidsim bench`: --json carries the documented fields and nothing internal
# (it printed a `sink` the RNG floor used to stay alive); the market, the
# traffic and so the tallies are the same for the same seed and differ for
# another; a strategy and VCG run; the personalised model (the default)
# reports units scored and visits, more of both with a wider spread and a
# larger reach, the static one (--static) neither; a bad strategy or option
# value is bad input (exit 2).
set -u
B=${BIDSIM_BUILD_DIR:-build}/bidsim
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
small=(--campaigns 300 --impressions 30000 --repeat 1 --json)
"$B" bench "${small[@]}" > "$tmp/a.json" || { echo "FAIL: bench exit $?"; exit 1; }
"$B" bench "${small[@]}" > "$tmp/b.json"
"$B" bench "${small[@]}" --seed 2 > "$tmp/c.json"
"$B" bench "${small[@]}" --strategy multiplier --mechanism vcg > "$tmp/d.json" || { echo "FAIL: strategy + vcg"; fail=1; }
"$B" bench "${small[@]}" --static > "$tmp/e.json" || { echo "FAIL: --static"; fail=1; }
"$B" bench "${small[@]}" --sigma 1 --reach-median 0.2 > "$tmp/f.json" || { echo "FAIL: --sigma"; fail=1; }
$PY - "$tmp" <<'PY' || fail=1
import json, sys
d = sys.argv[1]
a, b, c, s, st, wide = (json.load(open(f"{d}/{n}.json")) for n in "abcdef")
want = {"campaigns", "slots", "impressions", "mechanism", "pricing", "strategy", "strategy_plans", "strategy_updates",
        "ns_per_update", "categories", "repeats", "auctions_per_s", "ns_per_auction", "rng_floor_ns_per_auction",
        "ratio", "draws_per_auction", "clicks", "conversions", "spend_li", "model", "sigma", "truncate",
        "reach_median", "scored_per_auction", "visits_per_impression",
        "cpu_ns_per_auction"}
bad = []
if set(a) != want: bad.append(f"fields {sorted(set(a) ^ want)} differ from the documented ones")
tally = ("clicks", "conversions", "spend_li", "draws_per_auction")
if [a[k] for k in tally] != [b[k] for k in tally]: bad.append("the same seed gave other tallies")
if [a[k] for k in tally] == [c[k] for k in tally]: bad.append("another seed gave the same tallies")
if not (a["clicks"] > 0 and a["spend_li"] > 0 and a["rng_floor_ns_per_auction"] > 0): bad.append("empty run")
if not (0 < a["cpu_ns_per_auction"] <= a["ns_per_auction"] * 1.05):
    bad.append(f"CPU time {a['cpu_ns_per_auction']} ns against {a['ns_per_auction']} ns of wall clock")
if s["mechanism"] != "vcg" or s["strategy_plans"] != 300 or s["strategy_updates"] != 300 * 1440:
    bad.append(f"strategy run: {s}")
if a["model"] != "personal" or a["sigma"] != 0.5 or a["truncate"] != 2:
    bad.append(f"default model: {a['model']} sigma {a['sigma']} truncate {a['truncate']}")
# the default reach: a category's shops' reaches sum to about 2 (lognormal, log-sd 1)
if not (1.5 < a["visits_per_impression"] < 2.5 and a["scored_per_auction"] > 0):
    bad.append(f"personalised: {a['visits_per_impression']} visits, {a['scored_per_auction']} scored")
if st["model"] != "static" or st["scored_per_auction"] != 0 or st["visits_per_impression"] != 0:
    bad.append(f"--static: {st}")
if not (wide["scored_per_auction"] > a["scored_per_auction"] and wide["visits_per_impression"] > a["visits_per_impression"]
        and wide["reach_median"] == 0.2):
    bad.append(f"--sigma 1 --reach-median 0.2 did not widen the walk and the visits: {wide}")
for m in bad: print("FAIL:", m)
sys.exit(1 if bad else 0)
PY
"$B" bench --strategy no_such --repeat 1 --impressions 10 2>"$tmp/err" >/dev/null; rc=$?
[ $rc -eq 2 ] && grep -q "no built-in strategy 'no_such'" "$tmp/err" || { echo "FAIL: unknown strategy: exit $rc, $(cat "$tmp/err")"; fail=1; }
for bad in "--sigma 3.5" "--truncate 0.2" "--reach-median 0" "--reach-median 0.6" "--sigma x"; do
  "$B" bench $bad --repeat 1 --impressions 10 2>"$tmp/err" >/dev/null; rc=$?
  [ $rc -eq 2 ] && grep -q "must be in" "$tmp/err" || { echo "FAIL: bench $bad: exit $rc, $(cat "$tmp/err")"; fail=1; }
done
[ $fail -eq 0 ] && echo "bench: all checks passed"
exit $fail
