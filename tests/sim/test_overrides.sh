#!/usr/bin/env bash
# `bidsim run --seed/--days/--replicates` is the file with those values
# written in: the same datasets for a sweep (every point's own scenario, and
# the competitor market drawn from the seed), the same calendar phases (the
# double11 preset depends on the days), and the file's checks on the values
# (a plan published after the last day is refused, naming the option).
set -euo pipefail
BIN="${BIDSIM_BUILD_DIR:-build}/bidsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# $1 = the head (seed/days/replicates lines or nothing), the rest shared
sweep() {
  cat <<YAML
$1
start_date: 2026-11-09
traffic: {impressions_per_day: 3000, preset: double11}
shops: [{name: S, products: [{id: 1, sales: 1000, ctr: 0.05}, {id: 2, sales: 900}]}]
plans:
  - {name: A, shop: S, products: [1], bids: {ordinary: 0.80}}
  - {name: B, shop: S, cap: 200, products: [2], bids: {ordinary: 0.60}, publish: {day: 1, time: "12:00"}}
market: {plans: 40, base_bid: {dist: lognormal, median: 0.7, sigma: 0.4}}
sweep:
  grid:
    plans[A].bids.ordinary: [0.70, 0.90]
    plans[B].cap: [150, 300]
YAML
}
sweep "seed: 1
days: 2
replicates: 2" > "$tmp/file.yaml"
sweep "seed: 5
days: 4
replicates: 3" > "$tmp/written.yaml"

"$BIN" run "$tmp/written.yaml" -o "$tmp/written.h5" --quiet
"$BIN" run "$tmp/file.yaml" -o "$tmp/override.h5" --quiet --seed 5 --days 4 --replicates 3
/usr/bin/python3 tests/tools/golden.py "$tmp/written.h5" "$tmp/written.sha256" --update >/dev/null
/usr/bin/python3 tests/tools/golden.py "$tmp/override.h5" "$tmp/written.sha256" >"$tmp/diff" ||
  fail "sweep with --seed 5 --days 4 --replicates 3 differs from the file with them written: $(tail -3 "$tmp/diff")"

# the same for a scenario without a sweep (one variant, the base's own seed)
sed '/^sweep:/,$d' "$tmp/file.yaml" > "$tmp/plain.yaml"
sed '/^sweep:/,$d' "$tmp/written.yaml" > "$tmp/plain_written.yaml"
"$BIN" run "$tmp/plain_written.yaml" -o "$tmp/pw.h5" --quiet
"$BIN" run "$tmp/plain.yaml" -o "$tmp/po.h5" --quiet --seed 5 --days 4 --replicates 3
/usr/bin/python3 tests/tools/golden.py "$tmp/pw.h5" "$tmp/pw.sha256" --update >/dev/null
/usr/bin/python3 tests/tools/golden.py "$tmp/po.h5" "$tmp/pw.sha256" >"$tmp/diff" ||
  fail "plain scenario with overrides differs from the file with them written: $(tail -3 "$tmp/diff")"

# --days below plan B's publish day (1): refused as `days: 1` in the file is,
# exit 2, at B's line, naming the option; nothing written
set +e
"$BIN" run "$tmp/file.yaml" -o "$tmp/short.h5" --quiet --days 1 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "--days 1 below a publish day: exit $rc, want 2 ($(cat "$tmp/err"))"
grep -qE "file.yaml:[0-9]+:[0-9]+: plans.publish.day" "$tmp/err" || fail "--days 1: no position: $(cat "$tmp/err")"
grep -qF "published on day 1, after the last day 0 (--days 1)" "$tmp/err" || fail "--days 1: message: $(cat "$tmp/err")"
[ ! -e "$tmp/short.h5" ] || fail "--days 1 left a result file"
echo "overrides: sweep, plain and publish-day checks passed"
