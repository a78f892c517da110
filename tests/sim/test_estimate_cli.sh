#!/usr/bin/env bash
# Resource estimates before any work (issue 12): validate prints them, with
# the calendar phases counted (on double11.yaml it said 2.8 million where
# the run does 6.2 million); run refuses what cannot fit this machine with
# one line naming the keys, exit 2, before creating anything, and --force
# insists.
set -euo pipefail
BIN="${BIDSIM_BUILD_DIR:-build}/bidsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# the estimate against what the run does: Poisson totals, sd = sqrt(6.2e6)
# = 2,500 (0.04%); the estimate prints 3 digits (0.08%): 1% is far outside
# both and far inside the phases' 2.2x
"$BIN" validate scenarios/double11.yaml > "$tmp/v"
grep -qE "^  estimate     about .* with [0-9]+ thread\(s\) at 2 M impressions/s each$" "$tmp/v" || fail "no time estimate: $(cat "$tmp/v")"
grep -qE "^               memory about [0-9.]+ [KMG]iB \(world" "$tmp/v" || fail "no memory estimate: $(cat "$tmp/v")"
grep -qE "^               disk: unit store up to .*, result file up to .*, both before compression$" "$tmp/v" || fail "no disk estimate"
est=$(sed -n 's/^  units .*, \([0-9.e+]*\) impressions in all.*/\1/p' "$tmp/v")
"$BIN" run scenarios/double11.yaml -o "$tmp/d.h5" --no-summary --progress none >/dev/null 2>"$tmp/r"
ran=$(sed -n 's/^bidsim run: \([0-9]*\) impressions in .*/\1/p' "$tmp/r")
[ -n "$est" ] && [ -n "$ran" ] || fail "no figures: validate '$est', run '$ran'"
/usr/bin/python3 -c "import sys; e, r = float('$est'), float('$ran'); sys.exit(0 if abs(e - r) <= 0.01 * r else 1)" ||
  fail "double11.yaml: validate estimates $est impressions, the run did $ran"

# nonsense sizes: refused at once by the keys that drive them, nothing created
printf 'days: 3660\nreplicates: 1000000\ntraffic: {impressions_per_day: 1e11}\nmarket: {plans: 3}\n' > "$tmp/huge.yaml"
"$BIN" validate "$tmp/huge.yaml" > "$tmp/v" || fail "validate refused a valid (if huge) scenario"
grep -qF "3.66e+20 impressions in all" "$tmp/v" || fail "validate: $(cat "$tmp/v")"
grep -qF "does not fit this machine" "$tmp/v" || fail "validate does not say it would not fit: $(cat "$tmp/v")"
set +e
"$BIN" run "$tmp/huge.yaml" -o "$tmp/huge.h5" -q 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "run of 3.7e20 impressions: exit $rc, want 2 ($(cat "$tmp/err"))"
[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "more than one line: $(cat "$tmp/err")"
grep -qE "^bidsim run: error: .*(days x replicates|replicates x variants).*: .*\(--force runs it anyway\)$" "$tmp/err" ||
  fail "the refusal does not name the keys and --force: $(cat "$tmp/err")"
[ -z "$(ls -A "$tmp" | grep huge.h5)" ] || fail "a refused run left $(ls "$tmp")"
# the time alone (a small store, a long run): the impressions' keys
# (5e9 a day: far from the 2^32-draw crash of issue 12 within two seconds)
printf 'days: 3660\nreplicates: 100\ntraffic: {impressions_per_day: 5e9}\nmarket: {plans: 3}\n' > "$tmp/long.yaml"
set +e
"$BIN" run "$tmp/long.yaml" -o "$tmp/long.h5" -q 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "a run of years: exit $rc, want 2 ($(cat "$tmp/err"))"
grep -qF "traffic.impressions_per_day x days x replicates x variants: " "$tmp/err" || fail "time: $(cat "$tmp/err")"
grep -qF "years with" "$tmp/err" || fail "time: $(cat "$tmp/err")"
# --force insists: the run starts (stopped here after two seconds)
set +e
timeout -s KILL 2 "$BIN" run "$tmp/long.yaml" -o "$tmp/long.h5" -q --force --threads 1 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 137 ] || fail "--force: exit $rc, want it still running when killed ($(cat "$tmp/err"))"
echo "estimates: double11 within 1% of the run, refusals by their keys, --force: all checks passed"
