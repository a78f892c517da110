#!/usr/bin/env bash
# bidsim validate and run as a user sees them (issue 14): each variant's
# strategy per plan (the built-in and its parameters, the plugin path, or
# fixed bids) and the competitors' per sweep point; premiums shown with the
# bids they give; warnings for bids and caps typed in fen on stderr with
# exit status 0 from validate and run; every bad sweep point on a line of
# its own after the error, exit 2.
set -euo pipefail
BIN="${BIDSIM_BUILD_DIR:-build}/bidsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
has() { grep -qxF -- "$2" "$1" || fail "missing line '$2' in: $(cat "$1")"; }

"$BIN" validate scenarios/strategy_compare.yaml > "$tmp/v"
has "$tmp/v" "    fixed                  the scenario as written"
has "$tmp/v" "      every plan           fixed bids"
has "$tmp/v" "      Home bestsellers     multiplier {eps: 0.05}"
has "$tmp/v" "      Evening push         throttle (default parameters)"
has "$tmp/v" "      Evening push         schedule {hours: [1 x18, 150 x6]}"
has "$tmp/v" "      Kitchen              target_roi {target: 1.6, pacing: 1, prior_value: 95}"
has "$tmp/v" "      the others           fixed bids"
# a sweep of the competitors' bid-war share: each point's mix
"$BIN" validate scenarios/bid_war.yaml > "$tmp/v"
has "$tmp/v" "  competitors  30% bidwar {step: 5, limit: 1.5, decay: 2}; the rest fixed bids"
has "$tmp/v" "      competitors          0% bidwar {step: 5, limit: 1.5, decay: 2}; the rest fixed bids"
has "$tmp/v" "      competitors          100% bidwar {step: 5, limit: 1.5, decay: 2}"

# a plugin not loaded, premiums, and a bid typed in fen
: > "$tmp/plug.so"
cat > "$tmp/s.yaml" <<'EOF'
traffic: {impressions_per_day: 200}
shops: [{name: S, products: [{id: 1, sales: 900}]}]
plans:
  - {name: P, shop: S, products: [1], bids: {ordinary: 1.30, shop: +100%, similar: +25%}}
  - {name: Q, shop: S, products: [1], bids: {ordinary: 50}, strategy: {plugin: plug.so, params: {k: [2, 2, 3]}}}
market: {plans: 20}
replicates: 1
EOF
"$BIN" validate "$tmp/s.yaml" > "$tmp/v" 2> "$tmp/e" || fail "validate: exit $? on warnings: $(cat "$tmp/e")"
grep -qF "bids 1.30/2.60 (+100%)/1.63 (+25%)  cap unlimited" "$tmp/v" || fail "premiums not shown: $(cat "$tmp/v")"
has "$tmp/v" "      Q                    plugin plug.so {k: [2 x2, 3]} (not loaded)"
want="bidsim validate: warning: $tmp/s.yaml:5:56: plans[1].bids.ordinary: bid 50.00 yuan is 62 times the generated market's median base bid of 0.80 yuan: bids are in yuan, so 50 is 50.00 yuan; did you mean 0.50? (write 50.00 if it is meant)"
has "$tmp/e" "$want"
[ "$(wc -l < "$tmp/e")" -eq 1 ] || fail "more than the warning on stderr: $(cat "$tmp/e")"
sed -i 's/plugin: plug.so, params: {k: \[2, 2, 3\]}/kind: fixed/' "$tmp/s.yaml"
"$BIN" run "$tmp/s.yaml" -o "$tmp/o.h5" -q 2> "$tmp/e" || fail "run: exit $? on warnings: $(cat "$tmp/e")"
grep -qF "bidsim run: warning: $tmp/s.yaml:5:56: plans[1].bids.ordinary: bid 50.00 yuan" "$tmp/e" || fail "run: $(cat "$tmp/e")"
[ -f "$tmp/o.h5" ] || fail "run wrote no result"

# every bad point after the error: the error, 20 points, and the rest counted
set +e
"$BIN" validate scenarios/invalid/sweep_many_bad_points.yaml > "$tmp/v" 2> "$tmp/e"
rc=$?
set -e
[ $rc -eq 2 ] || fail "a bad sweep: exit $rc, want 2"
[ "$(wc -l < "$tmp/e")" -eq 22 ] || fail "want 22 lines (error, 20 points, the rest): $(cat "$tmp/e")"
[ "$(grep -c '^  scenarios/invalid/sweep_many_bad_points.yaml:[0-9]*:[0-9]*: plans\[0\]\.[a-z.]*: point [0-9]* (' "$tmp/e")" -eq 20 ] ||
  fail "not one line per point: $(cat "$tmp/e")"
tail -1 "$tmp/e" | grep -qF "  scenarios/invalid/sweep_many_bad_points.yaml:21:5: sweep.zip.plans[Kitchen].bids.ordinary: and 23 more points breaking a rule" ||
  fail "the rest not counted: $(tail -1 "$tmp/e")"
[ ! -s "$tmp/v" ] || fail "validate printed a summary of an invalid scenario"
echo "validate: strategies, premiums, warnings and sweep points as shown"
