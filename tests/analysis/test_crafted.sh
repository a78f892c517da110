#!/usr/bin/env bash
# Result files no run writes but the reader opens (issue 12): report,
# compare and plot answer each with one line on stderr and an exit status,
# never a traceback or figures computed from overflowed sums. Files come
# from the writer (tests/tools/synth_result --long-names/--max-counts) and
# from h5py (tests/analysis/craft_results.py).
set -euo pipefail
BUILD="${BIDSIM_BUILD_DIR:-build}"
BIN="$BUILD/bidsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect STATUS CMD ARGS...: the exit status, and for a failure exactly one
# stderr line "bidsim CMD: error: ..." (no traceback)
expect() {
  local want=$1; shift
  local got=0
  "$BIN" "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  local lines; lines=$(wc -l <"$tmp/err")
  if [ "$got" != "$want" ]; then
    echo "FAIL: bidsim $* exited $got, expected $want: $(head -c 400 "$tmp/err")"; fails=$((fails + 1)); return
  fi
  if grep -q "Traceback" "$tmp/err"; then
    echo "FAIL: bidsim $*: a traceback"; fails=$((fails + 1)); return
  fi
  if [ "$want" != 0 ] && { [ "$lines" != 1 ] || ! grep -q "^bidsim $1: error: " "$tmp/err"; }; then
    echo "FAIL: bidsim $*: stderr is not one error line: $(head -c 400 "$tmp/err")"; fails=$((fails + 1)); return
  fi
  if [ "$want" = 0 ] && [ -s "$tmp/err" ]; then
    echo "FAIL: bidsim $*: stderr not empty: $(head -c 400 "$tmp/err")"; fails=$((fails + 1)); return
  fi
  echo "ok: bidsim $* -> $got $(head -c 160 "$tmp/err")"
}

"$BUILD/tools/synth_result" "$tmp/synth.h5"
"$BUILD/tools/synth_result" "$tmp/long_names.h5" --long-names 1048576   # 1 MB plan, product, variant names
"$BUILD/tools/synth_result" "$tmp/max_counts.h5" --max-counts           # INT64_MAX counters
/usr/bin/python3 tests/analysis/craft_results.py "$tmp/synth.h5" "$tmp"

# 1 MB names are drawn cut, and printed whole by report
expect 0 report "$tmp/long_names.h5"
expect 0 report "$tmp/long_names.h5" --by variant
# a label is cut to 40 columns: the table is not a megabyte wide
[ "$(awk '{ if (length($0) > w) w = length($0) } END { print w }' "$tmp/out")" -le 120 ] ||
  { echo "FAIL: report --by variant of long names printed a line wider than 120 columns"; fails=$((fails + 1)); }
expect 0 compare "$tmp/long_names.h5" --baseline 1
[ "$(awk '{ if (length($0) > w) w = length($0) } END { print w }' "$tmp/out")" -le 120 ] ||
  { echo "FAIL: compare of long names printed a line wider than 120 columns"; fails=$((fails + 1)); }
expect 0 plot "$tmp/long_names.h5" -o "$tmp/figs"
[ "$(wc -l <"$tmp/out")" = 7 ] || { echo "FAIL: plot of long names wrote $(cat "$tmp/out")"; fails=$((fails + 1)); }
expect 0 plot "$tmp/long_names.h5" -o "$tmp/figs" --variant higher

# counters whose sums overflow, NaN/inf/1e30 stored as floats, a negative
# count, a cap hit past midnight: refused as bad input
for f in max_counts float_nan negative cap_hit_bad; do
  expect 2 report "$tmp/$f.h5"
  [ "$f" = cap_hit_bad ] || expect 2 report "$tmp/$f.h5" --by shop --hourly   # (which reads no cap times)
  expect 2 compare "$tmp/$f.h5" --baseline base
  expect 2 plot "$tmp/$f.h5" -o "$tmp/figs"
done
grep -q "INT64_MAX" <("$BIN" report "$tmp/max_counts.h5" 2>&1) || { echo "FAIL: the overflow message does not say INT64_MAX"; fails=$((fails + 1)); }

# 2^28 replicates: plot refuses what it cannot hold (exit 2); report and
# compare refuse a table larger than the machine's memory (exit 1)
expect 2 plot "$tmp/huge_replicates.h5" -o "$tmp/figs"
grep -q "GiB in memory" "$tmp/err" || { echo "FAIL: plot does not say how much memory: $(cat "$tmp/err")"; fails=$((fails + 1)); }
mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
if [ "$mem_kb" -lt 58000000 ]; then   # the table needs 60.1 GB
  expect 1 report "$tmp/huge_replicates.h5"
  expect 1 compare "$tmp/huge_replicates.h5" --baseline base
else
  echo "skip: report of 2^28 replicates on a machine with more than 58 GB"
fi

if [ "$fails" != 0 ]; then echo "crafted files: $fails check(s) failed"; exit 1; fi
echo "crafted files: all checks passed"
