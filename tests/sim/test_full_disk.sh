#!/usr/bin/env bash
# A full disk: `run` and `merge` onto a small tmpfs, at every size from one
# that holds almost nothing to one that holds the whole run. Each failure
# must exit 1 with one line saying the disk is full (ENOSPC), leave no
# temporary file and leave the old result untouched; at least one failure
# must come from the result file itself (not only the unit store), and the
# first size that succeeds must give the same file as on a roomy disk.
# Needs root (mount -t tmpfs); skipped (exit 77) otherwise.
set -euo pipefail
BIN="$(realpath "${BIDSIM_BUILD_DIR:-build}")/bidsim"
tmp=$(mktemp -d)
mnt="$tmp/disk"
mkdir "$mnt"
cleanup() { mountpoint -q "$mnt" && umount "$mnt"; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
  echo "SKIP: needs root to mount a small tmpfs"
  exit 77
fi
umount "$mnt"

cat > "$tmp/s.yaml" <<'YAML'
seed: 3
days: 1
replicates: 4
auction: {slots: 3}
traffic: {impressions_per_day: 20000}
shops: [{name: S, products: [{id: 1, sales: 1000}]}]
plans: [{name: P, shop: S, cap: 100, products: [1], bids: {ordinary: 0.80}}]
market: {plans: 50}
variants: [{name: base}, {name: up, plans: {P: {bids: {ordinary: 1.00, shop: 1.10, similar: 1.10}}}}]
YAML
"$BIN" run "$tmp/s.yaml" -o "$tmp/ref.h5" -q --threads 1
"$BIN" run "$tmp/s.yaml" -o "$tmp/old.h5" -q --threads 1 --replicates 1   # "the old file": smaller
for i in 0 1; do "$BIN" run "$tmp/s.yaml" --shard $i/2 -o "$tmp/p$i.h5" -q --threads 1; done

# check_failure CMD OUT RC: a failed command's exit status, message and leftovers
check_failure() {
  local what=$1 out=$2 rc=$3
  [ "$rc" -eq 1 ] || fail "$what: exit $rc, want 1: $(cat "$tmp/err")"
  [ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "$what: want one line, got: $(cat "$tmp/err")"
  grep -q "No space left on device" "$tmp/err" || fail "$what: the message does not say the disk is full: $(cat "$tmp/err")"
  ! ls "$out".tmp.* >/dev/null 2>&1 || fail "$what: a temporary file is left: $(ls "$out".tmp.*)"
  cmp -s "$tmp/old.h5" "$out" || fail "$what: the old result file was changed"
}

# sweep CMD...: run CMD (writing $mnt/out.h5) on tmpfs of growing size until it succeeds
sweep() {
  local what=$1; shift
  local in_result=0 size
  # from a disk just large enough for the old file (which the run replaces) upwards
  local first=$(( ($(stat -c %s "$tmp/old.h5") / 16384 + 1) * 16 ))
  for size in $(seq $first 16 1600); do
    mount -t tmpfs -o size=${size}k tmpfs "$mnt"
    cp "$tmp/old.h5" "$mnt/out.h5"
    set +e; "$@" 2>"$tmp/err" >/dev/null; rc=$?; set -e
    if [ $rc -eq 0 ]; then
      [ $in_result -gt 0 ] || fail "$what: no size failed inside the result file (only in the unit store)"
      "$BIN" report "$mnt/out.h5" > "$tmp/got.txt" || fail "$what: the result written at ${size}k does not read"
      umount "$mnt"
      echo "$what: $in_result failure(s) in the result file; complete at ${size} KiB"
      return 0
    fi
    check_failure "$what at ${size}k" "$mnt/out.h5" $rc
    grep -q "units/" "$tmp/err" || in_result=$((in_result + 1))
    umount "$mnt"
  done
  fail "$what: did not fit in 1600 KiB"
}

sweep run "$BIN" run "$tmp/s.yaml" -o "$mnt/out.h5" -q --threads 1
"$BIN" report "$tmp/ref.h5" > "$tmp/want.txt"
sed -i 1d "$tmp/want.txt" "$tmp/got.txt"   # the first line names the file
cmp -s "$tmp/want.txt" "$tmp/got.txt" || fail "run: the result written on the small disk differs"
sweep merge "$BIN" merge "$tmp/p0.h5" "$tmp/p1.h5" -o "$mnt/out.h5"
echo "full disk: exit 1, one line naming ENOSPC, no temporary left, the old file untouched"
