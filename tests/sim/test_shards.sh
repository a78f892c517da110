#!/usr/bin/env bash
# Shards, merge and resume, each compared with the single-process run of
# the same scenario and seed: a 3-shard split plus merge (dataset for
# dataset and attribute for attribute: merge copies compressed chunks, so
# the HDF5 layout differs); a run killed with SIGKILL mid-way and resumed
# (byte for byte); an interrupted run
# (SIGINT: exit 130, finished units kept); and the errors merge and resume
# must give (missing or duplicated units, parts of another run).
set -euo pipefail
BIN="${BIDSIM_BUILD_DIR:-build}/bidsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# every dataset's values equal (h5diff calls a dataset never written "not
# comparable" and passes it: a merge that dropped one would go unseen)
same_values() {
  /usr/bin/python3 tests/tools/golden.py "$1" "$tmp/values.sha256" --update >/dev/null
  /usr/bin/python3 tests/tools/golden.py "$2" "$tmp/values.sha256" >/dev/null
}
cp "$(dirname "$0")/two_variants.yaml" "$tmp/s.yaml"
"$BIN" run "$tmp/s.yaml" -o "$tmp/ref.h5" --quiet --threads 2

# 3 shards and merge: the same datasets and attributes as the single run
for i in 0 1 2; do "$BIN" run "$tmp/s.yaml" --shard $i/3 -o "$tmp/p$i.h5" --quiet --threads 1; done
"$BIN" merge "$tmp/p0.h5" "$tmp/p1.h5" "$tmp/p2.h5" -o "$tmp/merged.h5" >/dev/null
h5diff "$tmp/ref.h5" "$tmp/merged.h5" || fail "merged parts differ from the single run (datasets or attributes)"
same_values "$tmp/ref.h5" "$tmp/merged.h5" || fail "merged parts' values differ from the single run's"
# the parts in any order give the same file
"$BIN" merge "$tmp/p2.h5" "$tmp/p0.h5" "$tmp/p1.h5" -o "$tmp/merged2.h5" >/dev/null
cmp "$tmp/merged.h5" "$tmp/merged2.h5" || fail "merge depends on the order of the parts"
# a part file is not a result: report refuses it
if "$BIN" report "$tmp/p1.h5" >/dev/null 2>"$tmp/err"; then fail "report accepted a part file"; fi
grep -q "bidsim merge" "$tmp/err" || fail "report's part-file message: $(cat "$tmp/err")"
# missing and duplicated units, parts of another run: exit 2, no output
set +e
"$BIN" merge "$tmp/p0.h5" "$tmp/p1.h5" -o "$tmp/bad.h5" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "in no part" "$tmp/err" || fail "missing shard: exit $rc: $(cat "$tmp/err")"
"$BIN" merge "$tmp/p0.h5" "$tmp/p1.h5" "$tmp/p1.h5" "$tmp/p2.h5" -o "$tmp/bad.h5" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "more than one part" "$tmp/err" || fail "duplicated shard: exit $rc: $(cat "$tmp/err")"
"$BIN" run "$tmp/s.yaml" --shard 2/3 -o "$tmp/other.h5" --quiet --seed 22
"$BIN" merge "$tmp/p0.h5" "$tmp/p1.h5" "$tmp/other.h5" -o "$tmp/bad.h5" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "another scenario, seed" "$tmp/err" || fail "foreign part: exit $rc: $(cat "$tmp/err")"
[ ! -e "$tmp/bad.h5" ] || fail "a failed merge left an output file"
# a damaged part (one bit of one data chunk) and a part of another format
# version are bad input: exit 2 and one line, no output
cp "$tmp/p1.h5" "$tmp/p1bad.h5"
cp "$tmp/p1.h5" "$tmp/p1old.h5"
/usr/bin/python3 - "$tmp/p1bad.h5" "$tmp/p1old.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    c = f["plan_hour/clicks"].id.get_chunk_info(0)
with open(sys.argv[1], "r+b") as f:
    f.seek(c.byte_offset + 3)
    b = f.read(1)
    f.seek(c.byte_offset + 3)
    f.write(bytes([b[0] ^ 1]))
with h5py.File(sys.argv[2], "r+") as f:
    f.attrs.modify("format_version", np.uint64(1))
PY
"$BIN" merge "$tmp/p0.h5" "$tmp/p1bad.h5" "$tmp/p2.h5" -o "$tmp/bad.h5" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "damaged" "$tmp/err" && [ "$(wc -l < "$tmp/err")" -eq 1 ] ||
  fail "damaged part: exit $rc: $(cat "$tmp/err")"
"$BIN" merge "$tmp/p0.h5" "$tmp/p1old.h5" "$tmp/p2.h5" -o "$tmp/bad.h5" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "format version 1" "$tmp/err" || fail "part of format version 1: exit $rc: $(cat "$tmp/err")"
[ ! -e "$tmp/bad.h5" ] || fail "a failed merge left an output file"
"$BIN" run "$tmp/s.yaml" --shard 3/3 -o "$tmp/bad.h5" --quiet 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "--shard 3/3 should be bad usage, got $rc"
set -e

# kill -9 mid-run, then --resume: only the units in flight are lost
"$BIN" run "$tmp/s.yaml" -o "$tmp/k.h5" --quiet --threads 2 &
pid=$!
for _ in $(seq 1 400); do
  n=$(ls "$tmp/k.h5.units" 2>/dev/null | grep -c '\.bin$' || true)
  [ "$n" -ge 6 ] && break
  sleep 0.02
done
kill -9 $pid 2>/dev/null || fail "the run finished before it could be killed"
wait $pid 2>/dev/null || true
[ ! -e "$tmp/k.h5" ] || fail "a killed run left an output file"
kept=$(ls "$tmp/k.h5.units" | grep -c '\.bin$')
[ "$kept" -ge 6 ] && [ "$kept" -lt 24 ] || fail "expected some finished units after the kill, found $kept"
"$BIN" run "$tmp/s.yaml" -o "$tmp/k.h5" --resume --threads 2 --no-summary --progress none 2>"$tmp/err" >/dev/null
grep -q "resumed: $kept unit(s) were already finished" "$tmp/err" || fail "resume message: $(cat "$tmp/err")"
cmp "$tmp/ref.h5" "$tmp/k.h5" || fail "the resumed run differs from the uninterrupted one"
[ ! -e "$tmp/k.h5.units" ] || fail "the unit store outlived the committed result"
# resuming into a complete result does nothing and leaves it untouched
cp "$tmp/k.h5" "$tmp/k.copy"
"$BIN" run "$tmp/s.yaml" -o "$tmp/k.h5" --resume 2>"$tmp/err" >/dev/null
grep -q "nothing to do" "$tmp/err" || fail "resume into a complete file: $(cat "$tmp/err")"
cmp "$tmp/k.h5" "$tmp/k.copy"
# ... but a damaged one (a bit flipped in one data chunk) is not complete:
# --resume verifies every checksum and runs again
/usr/bin/python3 - "$tmp/k.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    c = f["plan_segment/spend"].id.get_chunk_info(5)
with open(sys.argv[1], "r+b") as f:
    f.seek(c.byte_offset + c.size // 2)
    b = f.read(1)
    f.seek(c.byte_offset + c.size // 2)
    f.write(bytes([b[0] ^ 4]))
PY
"$BIN" run "$tmp/s.yaml" -o "$tmp/k.h5" --resume 2>"$tmp/err" >/dev/null
! grep -q "nothing to do" "$tmp/err" || fail "resume called a damaged result complete"
cmp "$tmp/ref.h5" "$tmp/k.h5" || fail "the damaged result was not replaced by the whole one"

# SIGINT: exit 130, no output, finished units kept for --resume
"$BIN" run "$tmp/s.yaml" -o "$tmp/i.h5" --quiet --threads 1 &
pid=$!
for _ in $(seq 1 400); do
  [ "$(ls "$tmp/i.h5.units" 2>/dev/null | grep -c '\.bin$' || true)" -ge 2 ] && break
  sleep 0.02
done
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
[ $rc -eq 130 ] || fail "SIGINT gave exit $rc, want 130"
[ ! -e "$tmp/i.h5" ] || fail "an interrupted run left an output file"
# a store of another scenario is not resumed into
sed 's/seed: 21/seed: 23/' "$tmp/s.yaml" > "$tmp/s23.yaml"
set +e
"$BIN" run "$tmp/s23.yaml" -o "$tmp/i.h5" --resume --quiet 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "another scenario" "$tmp/err" || fail "resume into a foreign store: exit $rc: $(cat "$tmp/err")"
"$BIN" run "$tmp/s.yaml" -o "$tmp/i.h5" --resume --quiet
cmp "$tmp/ref.h5" "$tmp/i.h5" || fail "resumed after SIGINT differs"
# a market redrawn per replicate: every part holds every draw's /market,
# merge copies it, and the merged file equals the single run's, market
# included (each replicate's draw recorded, not the first one R times)
sed -e 's/^market: {\(.*\)}$/market: {\1, redraw: per_replicate}/' "$tmp/s.yaml" > "$tmp/redraw.yaml"
grep -q "redraw: per_replicate" "$tmp/redraw.yaml" || fail "the redraw scenario was not made"
"$BIN" run "$tmp/redraw.yaml" -o "$tmp/rd.h5" --quiet --threads 2 --replicates 4
for i in 0 1; do "$BIN" run "$tmp/redraw.yaml" --replicates 4 --shard $i/2 -o "$tmp/rdp$i.h5" --quiet --threads 1; done
"$BIN" merge "$tmp/rdp1.h5" "$tmp/rdp0.h5" -o "$tmp/rdm.h5" >/dev/null
h5diff "$tmp/rd.h5" "$tmp/rdm.h5" || fail "redraw per replicate: merged shards differ from the single run"
same_values "$tmp/rd.h5" "$tmp/rdm.h5" || fail "redraw per replicate: merged values differ from the single run's"
/usr/bin/python3 - "$tmp/rd.h5" "$tmp/rdp0.h5" <<'PY' || fail "redraw per replicate: the market of every draw"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as f, h5py.File(sys.argv[2]) as p:
    bid = f["market/bid"][...]
    R = f["variant/replicate"].shape[0]
    assert bid.shape[1] == R and R > 1, bid.shape
    assert (bid[:, 0] != bid[:, 1]).any(), "draws 0 and 1 are the same market"
    assert np.array_equal(p["market/bid"][...], bid), "a part's market differs from the single run's"
PY
# a sweep (each point its own scenario and world): shards + merge again equal the single run
cat > "$tmp/sweep.yaml" <<'YAML'
seed: 4
days: 1
replicates: 3
auction: {slots: 3}
traffic: {impressions_per_day: 50000}
shops: [{name: S, products: [{id: 1, sales: 1000}]}]
plans: [{name: P, shop: S, cap: 100, products: [1], bids: {ordinary: 0.80, shop: 1.00, similar: 1.00}}]
market: {plans: 40, base_bid: {dist: lognormal, median: 0.5, sigma: 0.3}}
sweep:
  grid:
    plans[P].bids.ordinary: {start: 0.60, stop: 0.90, step: 0.10}
    auction.slots: [2, 4]
YAML
"$BIN" run "$tmp/sweep.yaml" -o "$tmp/sw.h5" --quiet --threads 2
for i in 0 1; do "$BIN" run "$tmp/sweep.yaml" --shard $i/2 -o "$tmp/swp$i.h5" --quiet --threads 1; done
"$BIN" merge "$tmp/swp1.h5" "$tmp/swp0.h5" -o "$tmp/swm.h5" >/dev/null
h5diff "$tmp/sw.h5" "$tmp/swm.h5" || fail "sweep: merged shards differ from the single run"
same_values "$tmp/sw.h5" "$tmp/swm.h5" || fail "sweep: merged values differ from the single run's"
/usr/bin/python3 - "$tmp/sw.h5" <<'PY' || fail "sweep: the file does not record the points"
import sys, h5py
sys.path.insert(0, "tests/tools")
from resultfile import labels
with h5py.File(sys.argv[1]) as f:
    keys = labels(f["variant/sweep_key"])
    vals = labels(f["variant/sweep_value"])                  # (variant, key) row-major
    names = labels(f["variant/variant"])
    assert keys == ["plans[P].bids.ordinary", "auction.slots"], keys
    assert f["variant/sweep_value"].shape[:2] == (8, 2) and vals[3 * 2] == "0.70" and vals[3 * 2 + 1] == "4", vals
    assert names[0] == "ordinary=0.60,slots=2", names
    # more slots, more exposures for the same bid; a higher bid never fewer
    e = f["plan_segment/exposures"][...].sum(axis=(1, 2, 4))[:, 0]
    assert all(e[2 * i + 1] >= e[2 * i] for i in range(4)), e
PY
echo "shards, merge, kill -9 and resume, sweeps: all identical to the single run"
