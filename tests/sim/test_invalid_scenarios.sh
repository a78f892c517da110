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
# an unreadable path is a run-time failure (1), a missing argument bad usage (2)
"$BIN" validate "$tmp/nonexistent.yaml" 2>/dev/null; [ $? -eq 1 ] || { echo "FAIL: missing file should exit 1"; fails=$((fails + 1)); }
"$BIN" run scenarios/pdd_baseline.yaml 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: run without -o should exit 2"; fails=$((fails + 1)); }
echo "$count invalid scenarios checked, $fails failure(s)"
[ $fails -eq 0 ]
