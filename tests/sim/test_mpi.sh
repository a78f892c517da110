#!/usr/bin/env bash
# The MPI build (registered only with -DBIDSIM_MPI=ON; `make test-mpi`):
# mpirun -np 2 and -np 3 give the single-process file byte for byte, and a
# job whose rank is killed with SIGKILL resumes (again under mpirun) to the
# same file.
set -euo pipefail
BIN="${BIDSIM_BUILD_DIR:-build-mpi}/bidsim"
MPIRUN=(mpirun --allow-run-as-root --oversubscribe)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
sed 's/^seed: 21$/seed: 8/; s/^replicates: 12$/replicates: 10/' "$(dirname "$0")/two_variants.yaml" > "$tmp/m.yaml"
"$BIN" run "$tmp/m.yaml" -o "$tmp/ref.h5" --quiet --threads 1
"${MPIRUN[@]}" -np 2 "$BIN" run "$tmp/m.yaml" -o "$tmp/np2.h5" --quiet
cmp "$tmp/ref.h5" "$tmp/np2.h5" || fail "mpirun -np 2 differs from the single-process run"
"${MPIRUN[@]}" -np 3 "$BIN" run "$tmp/m.yaml" -o "$tmp/np3.h5" --quiet
cmp "$tmp/ref.h5" "$tmp/np3.h5" || fail "mpirun -np 3 differs from the single-process run"
# a sharded MPI run merges like any other
"${MPIRUN[@]}" -np 2 "$BIN" run "$tmp/m.yaml" -o "$tmp/p0.h5" --shard 0/2 --quiet
"$BIN" run "$tmp/m.yaml" -o "$tmp/p1.h5" --shard 1/2 --quiet
"$BIN" merge "$tmp/p0.h5" "$tmp/p1.h5" -o "$tmp/merged.h5" >/dev/null
h5diff "$tmp/ref.h5" "$tmp/merged.h5" || fail "MPI part + threaded part merged differ"
# every value too (h5diff passes a dataset never written as "not comparable")
/usr/bin/python3 tests/tools/golden.py "$tmp/ref.h5" "$tmp/ref.sha256" --update >/dev/null
/usr/bin/python3 tests/tools/golden.py "$tmp/merged.h5" "$tmp/ref.sha256" >/dev/null || fail "MPI part + threaded part: values differ"

# a sweep under MPI: each rank builds the points' worlds it is given
sed 's/^variants:$/sweep:\n  grid:\n    plans[A1].bids.ordinary: [0.80, 0.90]\n    auction.slots: [2, 3]\nold_variants:/' "$tmp/m.yaml" \
  | sed '/^old_variants:/,$d' > "$tmp/sweep.yaml"
"$BIN" run "$tmp/sweep.yaml" -o "$tmp/sw1.h5" --quiet --threads 1
"${MPIRUN[@]}" -np 2 "$BIN" run "$tmp/sweep.yaml" -o "$tmp/sw2.h5" --quiet
cmp "$tmp/sw1.h5" "$tmp/sw2.h5" || fail "sweep under mpirun -np 2 differs"

# kill -9 one rank mid-run: mpirun takes the job down; --resume finishes it
"${MPIRUN[@]}" -np 2 "$BIN" run "$tmp/m.yaml" -o "$tmp/k.h5" --quiet >/dev/null 2>&1 &
job=$!
for _ in $(seq 1 500); do
  [ "$(ls "$tmp/k.h5.units" 2>/dev/null | grep -c '\.bin$' || true)" -ge 4 ] && break
  sleep 0.02
done
rank=$(pgrep -f "bidsim run $tmp/m.yaml -o $tmp/k.h5" | head -1)
[ -n "$rank" ] || fail "the MPI job finished before a rank could be killed"
kill -9 "$rank"
wait $job 2>/dev/null || true
pkill -9 -f "bidsim run $tmp/m.yaml -o $tmp/k.h5" 2>/dev/null || true
[ ! -e "$tmp/k.h5" ] || fail "a killed job left an output file"
kept=$(ls "$tmp/k.h5.units" | grep -c '\.bin$')
"${MPIRUN[@]}" -np 2 "$BIN" run "$tmp/m.yaml" -o "$tmp/k.h5" --resume --no-summary --progress none 2>"$tmp/err" >/dev/null
grep -q "resumed: $kept unit(s)" "$tmp/err" || fail "resume message: $(cat "$tmp/err")"
cmp "$tmp/ref.h5" "$tmp/k.h5" || fail "the resumed MPI run differs"
echo "mpirun -np 2/3, MPI shard + merge, kill -9 of a rank and resume: identical to the single run"
