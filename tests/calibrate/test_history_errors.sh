#!/usr/bin/env bash
# Every rule of the report reader broken by one file of bad/ (expect.txt:
# the file, :LINE:COL, a fragment of the message): bidsim calibrate exits
# 2 naming FILE:LINE:COL and the rule, and writes nothing (no fitted file,
# no temporary). Then the good cases the rules must not refuse: a report
# at each rule's boundary (zero counts, clicks equal to exposures, 2
# decimals, falling dates, a totals row, tabs, quotes, English headers).
set -u
B=${BIDSIM_BUILD_DIR:-build}/bidsim
dir=tests/calibrate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
while IFS=$'\t' read -r file where msg; do
  case "$file" in '#'*|'') continue ;; esac
  out="$tmp/fitted.yaml"
  err=$("$B" calibrate "$dir/start.yaml" --history "$dir/bad/$file" -o "$out" --quiet 2>&1 >/dev/null)
  rc=$?
  if [ $rc -ne 2 ]; then echo "FAIL: $file: exit $rc, want 2 ($err)"; fail=1; fi
  case "$err" in *"$dir/bad/$file$where"*) ;; *) echo "FAIL: $file: no '$file$where' in: $err"; fail=1 ;; esac
  case "$err" in *"$msg"*) ;; *) echo "FAIL: $file: no '$msg' in: $err"; fail=1 ;; esac
  if [ -n "$(ls -A "$tmp")" ]; then echo "FAIL: $file: something was written: $(ls "$tmp")"; fail=1; rm -f "$tmp"/*; fi
done < "$dir/bad/expect.txt"

# the boundaries, accepted: a report that breaks no rule though it touches them
printf '\xef\xbb\xbfDate\tPlan\tImpressions\tClicks\tCost (yuan)\tOrders\tOrder value (yuan)\n' > "$tmp/ok.tsv"
printf '2026-03-03\t家居爆款\t0\t0\t0\t0\t0\n' >> "$tmp/ok.tsv"
printf '2026-03-03\t"厨房"\t625\t625\t"1,234.50"\t3\t267.00\n' >> "$tmp/ok.tsv"
printf '2026-03-02\t家居爆款\t10\t10\t0.01\t0\t0.00\n' >> "$tmp/ok.tsv"
printf '合计\t\t635\t635\t1234.51\t3\t267.00\n' >> "$tmp/ok.tsv"
if ! "$B" calibrate "$dir/start.yaml" --history "$tmp/ok.tsv" -o "$tmp/ok.yaml" --quiet --fit traffic.impressions_per_day \
     --replicates 2 --max-evals 4 --no-identifiability > "$tmp/ok.out" 2>&1; then
  echo "FAIL: a report at every rule's boundary was refused:"; cat "$tmp/ok.out"; fail=1
fi
grep -q '2026-03-02 to 2026-03-03, 2 days, 3 rows' "$tmp/ok.out" || { echo "FAIL: the boundary report was not read as 3 rows over 2 days"; cat "$tmp/ok.out"; fail=1; }
[ $fail -eq 0 ] && echo "history errors: all checks passed"
exit $fail
