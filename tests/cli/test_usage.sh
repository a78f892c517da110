#!/usr/bin/env bash
# Usage mistakes get one line naming the mistake and pointing at --help,
# exit status 2; --help prints the manual on stdout, exit status 0.
set -u
B=${BIDSIM_BUILD_DIR:-build}/bidsim
fail=0
check() {   # check WHAT EXPECTED_STATUS EXPECTED_LINES -- command...
  local what=$1 want=$2 lines=$3; shift 4
  local err; err=$("$@" 2>&1 >/dev/null); local rc=$?
  local n; n=$(printf '%s' "$err" | grep -c '')
  if [ "$rc" -ne "$want" ] || { [ "$lines" != any ] && [ "$n" -ne "$lines" ]; }; then
    echo "FAIL: $what: exit $rc (want $want), $n stderr line(s) (want $lines):"; printf '%s\n' "$err"; fail=1
  fi
}
for c in run validate report compare plot merge bench landscape calibrate; do
  check "$c --bogus" 2 1 -- "$B" "$c" --bogus
  out=$("$B" "$c" --help 2>/dev/null); rc=$?
  if [ $rc -ne 0 ] || ! printf '%s' "$out" | grep -q '^SYNOPSIS'; then
    echo "FAIL: $c --help: exit $rc, or no SYNOPSIS section"; fail=1
  fi
  "$B" "$c" --bogus 2>&1 | grep -q "see 'bidsim $c --help'" || { echo "FAIL: $c --bogus does not point at --help"; fail=1; }
done
check "run -o without a value" 2 1 -- "$B" run scenarios/pdd_baseline.yaml -o
check "report -x" 2 1 -- "$B" report -x
check "unknown command" 2 1 -- "$B" frobnicate
[ $fail -eq 0 ] && echo "usage: all checks passed"
exit $fail
