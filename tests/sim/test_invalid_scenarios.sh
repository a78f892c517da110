#!/usr/bin/env bash
# Every file in scenarios/invalid/ must fail `bidsim validate` and `bidsim run`
# with exit status 2, print each of its "# expect:" lines, point at
# FILE:LINE:COL, and leave no output file (not even a temporary one).
set -u
BIN="${BIDSIM_BUILD_DIR:-build}/bidsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
count=0
for f in scenarios/invalid/*.yaml; do
  count=$((count + 1))
  for cmd in validate run; do
    if [ $cmd = run ]; then args=(run "$f" -o "$tmp/out.h5" --quiet); else args=(validate "$f"); fi
    "$BIN" "${args[@]}" >/dev/null 2>"$tmp/err"
    rc=$?
    if [ $rc -ne 2 ]; then echo "FAIL $cmd $f: exit $rc, want 2"; fails=$((fails + 1)); fi
    grep -qE "$(basename "$f"):[0-9]+:[0-9]+: " "$tmp/err" || { echo "FAIL $cmd $f: no FILE:LINE:COL in: $(cat "$tmp/err")"; fails=$((fails + 1)); }
    while IFS= read -r want; do
      grep -qF -- "$want" "$tmp/err" || { echo "FAIL $cmd $f: missing '$want' in: $(cat "$tmp/err")"; fails=$((fails + 1)); }
    done < <(sed -n 's/^# expect: //p' "$f")
    if [ -n "$(ls -A "$tmp" | grep -v '^err$')" ]; then echo "FAIL $cmd $f: left files: $(ls "$tmp")"; fails=$((fails + 1)); fi
  done
done
[ "$count" -ge 15 ] || { echo "FAIL: only $count invalid scenarios"; fails=$((fails + 1)); }
# a missing file or a directory given as the scenario is bad input (2), as
# is a missing argument
for cmd in validate run; do
  for bad in "$tmp/nonexistent.yaml" "$tmp" "$tmp/nonexistent/dir/s.yaml"; do
    "$BIN" $cmd "$bad" -o "$tmp/o.h5" >/dev/null 2>"$tmp/err"; rc=$?
    [ $cmd = validate ] && { "$BIN" validate "$bad" >/dev/null 2>"$tmp/err"; rc=$?; }
    [ $rc -eq 2 ] || { echo "FAIL: $cmd $bad: exit $rc, want 2 ($(cat "$tmp/err"))"; fails=$((fails + 1)); }
    grep -qF "$bad" "$tmp/err" || { echo "FAIL: $cmd $bad: the message does not name it: $(cat "$tmp/err")"; fails=$((fails + 1)); }
  done
done
# an empty file (no bytes at all) is an empty scenario at its first line
for cmd in validate run; do
  "$BIN" $cmd /dev/null -o "$tmp/o.h5" >/dev/null 2>"$tmp/err"; rc=$?
  [ $cmd = validate ] && { "$BIN" validate /dev/null >/dev/null 2>"$tmp/err"; rc=$?; }
  [ $rc -eq 2 ] || { echo "FAIL: $cmd /dev/null: exit $rc, want 2"; fails=$((fails + 1)); }
  grep -qF "/dev/null:1:1: (root): empty scenario: no keys" "$tmp/err" || { echo "FAIL: $cmd /dev/null: $(cat "$tmp/err")"; fails=$((fails + 1)); }
done
# the size limit: exactly 64 MiB loads, one byte more is refused (the
# doubling read used to admit up to 128 MiB)
head=$'traffic: {impressions_per_day: 10}\nmarket: {plans: 1}\n#'
for size in 67108864 67108865; do
  { printf '%s' "$head"; head -c $((size - ${#head} - 1)) /dev/zero | tr '\0' x; printf '\n'; } > "$tmp/big.yaml"
  [ "$(stat -c %s "$tmp/big.yaml")" -eq $size ] || { echo "FAIL: made $(stat -c %s "$tmp/big.yaml") bytes, not $size"; fails=$((fails + 1)); }
  "$BIN" validate "$tmp/big.yaml" >/dev/null 2>"$tmp/err"; rc=$?
  want=0; [ $size -gt 67108864 ] && want=2
  [ $rc -eq $want ] || { echo "FAIL: a $size-byte scenario: exit $rc, want $want ($(cat "$tmp/err"))"; fails=$((fails + 1)); }
  [ $want -eq 0 ] || grep -qF "more than the limit of 67108864 bytes" "$tmp/err" || { echo "FAIL: size message: $(cat "$tmp/err")"; fails=$((fails + 1)); }
done
rm -f "$tmp/big.yaml" "$tmp/err"
"$BIN" run scenarios/pdd_baseline.yaml 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: run without -o should exit 2"; fails=$((fails + 1)); }
echo "$count invalid scenarios checked, $fails failure(s)"
[ $fails -eq 0 ]
