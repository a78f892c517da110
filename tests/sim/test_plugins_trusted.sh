#!/usr/bin/env bash
# Strategy plugins are trusted code (issue 12). `validate` runs none of a
# plugin's code unless given --load-plugins (a constructor that calls exit(0)
# used to end validate with status 0 and no output), says what it did not
# load, and still refuses a plugin file that is not there. A plugin that
# crashes takes the run down, and the units finished before it stay
# resumable. tests/plugins/hostile.c is the plugin.
set -euo pipefail
BUILD="${BIDSIM_BUILD_DIR:-build}"
BIN="$BUILD/bidsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
plugin="$(cd "$BUILD" && pwd)/plugins/hostile.so"

cat > "$tmp/s.yaml" <<YAML
seed: 4
days: 1
replicates: 3
traffic: {impressions_per_day: 20000}
shops: [{name: S, products: [{id: 1, sales: 1000, ctr: 0.05}]}]
plans:
  - {name: P, shop: S, products: [1], bids: {ordinary: 1.20}}
market: {plans: 20}
variants:
  - {name: plain}
  - name: hostile
    plans: {P: {strategy: {plugin: $plugin, params: {crash_after: 200}}}}
YAML

# validate: the constructor does not run, the summary says so
export BIDSIM_TEST_CTOR_MARKER="$tmp/ctor-ran"
BIDSIM_TEST_CTOR_EXIT=1 "$BIN" validate "$tmp/s.yaml" >"$tmp/out" 2>&1 || fail "validate: exit $? ($(cat "$tmp/out"))"
[ ! -e "$tmp/ctor-ran" ] || fail "validate ran the plugin's constructor"
grep -qF "s.yaml: valid" "$tmp/out" || fail "validate printed no summary: $(cat "$tmp/out")"
grep -qF "1 strategy setting(s) name a plugin that was not loaded: $plugin" "$tmp/out" ||
  fail "validate does not say it skipped the plugin: $(cat "$tmp/out")"
grep -qF -- "--load-plugins" "$tmp/out" || fail "validate does not point at --load-plugins"
# ... and with --load-plugins it does (here: the constructor leaves a mark)
"$BIN" validate --load-plugins "$tmp/s.yaml" >"$tmp/out" 2>&1 || fail "validate --load-plugins: $(cat "$tmp/out")"
[ -e "$tmp/ctor-ran" ] || fail "validate --load-plugins did not load the plugin"
grep -qF "not loaded" "$tmp/out" && fail "validate --load-plugins still says a plugin was not loaded"
rm -f "$tmp/ctor-ran"
unset BIDSIM_TEST_CTOR_MARKER
# a missing plugin is refused without loading anything, at the key
sed "s|$plugin|$tmp/missing.so|" "$tmp/s.yaml" > "$tmp/missing.yaml"
set +e
"$BIN" validate "$tmp/missing.yaml" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "missing plugin: exit $rc, want 2"
grep -qE "missing.yaml:[0-9]+:[0-9]+: variants\[1\]\.plans\.P\.strategy\.plugin: cannot load the plugin" "$tmp/err" ||
  fail "missing plugin: $(cat "$tmp/err")"
"$BIN" validate --help | grep -qF "code that runs inside" || fail "validate --help does not say a plugin is code"
"$BIN" run --help | grep -qF "trusted code" || fail "run --help does not say a plugin is trusted code"

# run: the plugin aborts in the hostile variant (units 3-5); with one thread
# units run in order, so the plain variant's three units are finished and
# kept, and --resume completes the run to the same datasets as a clean run
set +e
"$BIN" run "$tmp/s.yaml" -o "$tmp/r.h5" --threads 1 --quiet 2>"$tmp/err"; rc=$?
set -e
[ $rc -ne 0 ] || fail "the crashing plugin did not take the run down"
[ ! -e "$tmp/r.h5" ] || fail "a crashed run left a result file"
kept=$(ls "$tmp/r.h5.units" | grep -c '^u.*\.bin$' || true)
[ "$kept" -eq 3 ] || fail "after the crash $kept unit(s) kept, want the 3 of the plain variant ($(ls "$tmp/r.h5.units"))"
BIDSIM_TEST_NO_CRASH=1 "$BIN" run "$tmp/s.yaml" -o "$tmp/r.h5" --threads 1 --resume --no-summary --progress none >/dev/null 2>"$tmp/err" ||
  fail "--resume after the crash: $(cat "$tmp/err")"
grep -qF "resumed: 3 unit(s)" "$tmp/err" || fail "--resume did not keep the finished units: $(cat "$tmp/err")"
BIDSIM_TEST_NO_CRASH=1 "$BIN" run "$tmp/s.yaml" -o "$tmp/clean.h5" --threads 1 --quiet
/usr/bin/python3 tests/tools/golden.py "$tmp/clean.h5" "$tmp/clean.sha256" --update >/dev/null
/usr/bin/python3 tests/tools/golden.py "$tmp/r.h5" "$tmp/clean.sha256" >"$tmp/diff" ||
  fail "the resumed run differs from a clean one: $(tail -3 "$tmp/diff")"
echo "plugins: not loaded by validate, refused when missing, a crash keeps finished units: all checks passed"
