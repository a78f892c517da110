#!/usr/bin/env bash
# The output path, checked before any work: a directory or a missing folder
# is bad input (exit 2, one line naming the path given) before the unit
# store is made; and the temporaries of killed writers (OUT.h5.tmp.<pid> of
# a process that is gone) are removed by the next run or merge, while every
# other file near them stays: a live process's, one of another name, a
# link, one a live holder has locked.
set -euo pipefail
BIN="${BIDSIM_BUILD_DIR:-build}/bidsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cp "$(dirname "$0")/two_variants.yaml" "$tmp/s.yaml"

# expect_bad WHAT PATTERN CMD...: exit 2, one line matching PATTERN
expect_bad() {
  local what=$1 pattern=$2; shift 2
  set +e; "$@" >/dev/null 2>"$tmp/err"; local rc=$?; set -e
  [ $rc -eq 2 ] || fail "$what: exit $rc, want 2: $(cat "$tmp/err")"
  [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q -- "$pattern" "$tmp/err" || fail "$what: $(cat "$tmp/err")"
}
mkdir "$tmp/dir.h5"
expect_bad "run -o a directory" "$tmp/dir.h5: is a directory" "$BIN" run "$tmp/s.yaml" -o "$tmp/dir.h5" -q
[ ! -e "$tmp/dir.h5.units" ] || fail "run -o a directory made a unit store: the check came after work"
expect_bad "run -o DIR/" "is a directory" "$BIN" run "$tmp/s.yaml" -o "$tmp/" -q
expect_bad "run -o into a missing folder" "$tmp/nowhere/out.h5: the folder $tmp/nowhere does not exist" \
  "$BIN" run "$tmp/s.yaml" -o "$tmp/nowhere/out.h5" -q
"$BIN" run "$tmp/s.yaml" --shard 0/2 -o "$tmp/p0.h5" -q
"$BIN" run "$tmp/s.yaml" --shard 1/2 -o "$tmp/p1.h5" -q
expect_bad "merge -o a directory" "is a directory" "$BIN" merge "$tmp/p0.h5" "$tmp/p1.h5" -o "$tmp/dir.h5"
expect_bad "merge -o into a missing folder" "does not exist" "$BIN" merge "$tmp/p0.h5" "$tmp/p1.h5" -o "$tmp/no/m.h5"

# dead_pid: a pid whose process has ended (and is not reused meanwhile, as
# pids are handed out in rising order)
dead_pid() { sh -c 'echo $$'; }
d1=$(dead_pid); d2=$(dead_pid); d3=$(dead_pid); d4=$(dead_pid)
o="$tmp/out.h5"
echo stale > "$o.tmp.$d1"                 # a killed run's: removed
echo stale > "$o.tmp.$d2"                 # a killed merge's: removed (below)
echo live > "$o.tmp.$$"                   # this shell's: alive, kept
echo other > "$o.tmp.${d1}x"              # not our naming: kept
echo other > "$o.tmp.0$d1"                # not our naming (leading zero): kept
echo other > "$tmp/other.h5.tmp.$d1"      # another output's: kept
echo precious > "$tmp/target"
ln -s "$tmp/target" "$o.tmp.$d3"          # a link: kept, its target untouched
echo locked > "$o.tmp.$d4"                # a writer we cannot see (another host) holds its lock: kept
exec 9>>"$o.tmp.$d4"                      # this shell holds it, as HDF5 holds a file it writes
flock -n 9 || fail "cannot lock $o.tmp.$d4"
"$BIN" run "$tmp/s.yaml" -o "$o" -q --threads 2
[ ! -e "$o.tmp.$d1" ] || fail "run left a killed run's temporary"
[ -e "$o.tmp.$$" ] || fail "run removed the temporary of a live process"
for f in "$o.tmp.${d1}x" "$o.tmp.0$d1" "$tmp/other.h5.tmp.$d1" "$o.tmp.$d4"; do
  [ -e "$f" ] || fail "run removed $f, not a stale temporary of its output"
done
[ -L "$o.tmp.$d3" ] && [ "$(cat "$tmp/target")" = precious ] || fail "run removed or followed a link"
"$BIN" merge "$tmp/p0.h5" "$tmp/p1.h5" -o "$o" >/dev/null
[ ! -e "$o.tmp.$d2" ] || fail "merge left a killed merge's temporary"
[ -e "$o.tmp.$$" ] && [ -e "$o.tmp.$d4" ] || fail "merge removed a temporary in use"
echo "output path: checked before work, stale temporaries of gone writers removed, nothing else"
