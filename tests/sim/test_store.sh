#!/usr/bin/env bash
# The unit store OUT.h5.units/ against other runs and other files:
# - a second run on a store in use is refused at once (the first run, held
#   stopped with SIGSTOP, then finishes with its own numbers), and deletes
#   nothing of the first run's;
# - a unit file planted from a run of another seed is never read as this
#   run's (the unit is redone, the result is the uninterrupted one's);
# - links: a store that is a symbolic link, a planted u*.tmp symlink, a
#   unit that is a symlink to a FIFO or a FIFO itself are refused at once,
#   and nothing outside the store is deleted, written or read;
# - a folder of that name that bidsim did not make is left alone.
set -euo pipefail
BIN="${BIDSIM_BUILD_DIR:-build}/bidsim"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cp "$(dirname "$0")/two_variants.yaml" "$tmp/s.yaml"
"$BIN" run "$tmp/s.yaml" -o "$tmp/ref.h5" --quiet --threads 2
"$BIN" run "$tmp/s.yaml" -o "$tmp/ref9.h5" --quiet --threads 2 --seed 9

# wait_units DIR N: until DIR holds N finished units
wait_units() {
  for _ in $(seq 1 1000); do
    [ "$(ls "$1" 2>/dev/null | grep -c '\.bin$' || true)" -ge "$2" ] && return 0
    sleep 0.01
  done
  fail "no $2 finished units in $1"
}
listing() { (cd "$1" && for f in *; do printf '%s ' "$f"; cksum < "$f"; done) }

# ---- a second run on a store in use: refused at once, nothing deleted
"$BIN" run "$tmp/s.yaml" -o "$tmp/a.h5" --quiet --threads 1 &
a=$!
pids+=("$a")
wait_units "$tmp/a.h5.units" 2
kill -STOP "$a"
# SIGSTOP is delivered asynchronously: wait until every thread is stopped
for _ in $(seq 1 500); do
  ! grep -qv '^State:.*T' <(cat /proc/"$a"/task/*/status 2>/dev/null | grep '^State:') && break
  sleep 0.01
done
listing "$tmp/a.h5.units" > "$tmp/before"
for mode in "" "--resume"; do
  set +e
  "$BIN" run "$tmp/s.yaml" -o "$tmp/a.h5" --quiet --seed 9 $mode 2>"$tmp/err"; rc=$?
  set -e
  [ $rc -eq 1 ] || fail "a second run ${mode:-(plain)} on a store in use: exit $rc, want 1: $(cat "$tmp/err")"
  [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q "in use by another bidsim run (process $a)" "$tmp/err" ||
    fail "the refusal: $(cat "$tmp/err")"
done
listing "$tmp/a.h5.units" > "$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail "the refused run changed the store in use"
[ ! -e "$tmp/a.h5" ] || fail "the refused run wrote the output"
kill -CONT "$a"
wait "$a" || fail "the first run failed after the second was refused"
cmp "$tmp/ref.h5" "$tmp/a.h5" || fail "the first run's result is not its own"

# ---- a unit planted from a run of another seed is never read as ours
"$BIN" run "$tmp/s.yaml" -o "$tmp/b.h5" --quiet --threads 1 --seed 9 2>/dev/null &
b=$!
pids+=("$b")
wait_units "$tmp/b.h5.units" 3
kill -INT "$b"; wait "$b" || true
"$BIN" run "$tmp/s.yaml" -o "$tmp/c.h5" --quiet --threads 1 2>/dev/null &
c=$!
pids+=("$c")
wait_units "$tmp/c.h5.units" 3
kill -INT "$c"; wait "$c" || true
kept=$(ls "$tmp/c.h5.units" | grep -c '\.bin$')   # units 0 .. kept-1 (one thread takes them in order)
cp "$tmp/b.h5.units/u00000001.bin" "$tmp/c.h5.units/u00000001.bin"   # another seed's unit 1
cp "$tmp/c.h5.units/u00000002.bin" "$tmp/c.h5.units/u00000000.bin"   # our own unit 2 as unit 0
"$BIN" run "$tmp/s.yaml" -o "$tmp/c.h5" --resume --threads 2 --no-summary --progress none 2>"$tmp/err" >/dev/null
grep -q "resumed: $((kept - 2)) unit(s)" "$tmp/err" || fail "the planted units were taken: $(cat "$tmp/err")"
cmp "$tmp/ref.h5" "$tmp/c.h5" || fail "a planted unit changed the result"

# ---- a store that is a symbolic link to another folder
mkdir "$tmp/victim"
for f in key u00000000.bin u00000001.tmp notes.txt; do echo "not bidsim's: $f" > "$tmp/victim/$f"; done
listing "$tmp/victim" > "$tmp/victim.before"
ln -s "$tmp/victim" "$tmp/d.h5.units"
for mode in "" "--resume"; do
  set +e
  "$BIN" run "$tmp/s.yaml" -o "$tmp/d.h5" --quiet $mode 2>"$tmp/err"; rc=$?
  set -e
  [ $rc -eq 2 ] && grep -q "symbolic link" "$tmp/err" || fail "a symlinked store ${mode:-(plain)}: exit $rc: $(cat "$tmp/err")"
done
listing "$tmp/victim" > "$tmp/victim.after"
cmp -s "$tmp/victim.before" "$tmp/victim.after" || fail "the run changed the folder the store linked to"
rm "$tmp/d.h5.units"

# ---- links and FIFOs inside the store
make_store() {   # an interrupted run's store at $tmp/e.h5.units
  rm -rf "$tmp/e.h5.units"
  "$BIN" run "$tmp/s.yaml" -o "$tmp/e.h5" --quiet --threads 1 2>/dev/null &
  local p=$!
  wait_units "$tmp/e.h5.units" 2
  kill -INT "$p"; wait "$p" || true
}
echo "precious" > "$tmp/target"
mkfifo "$tmp/fifo"
for plant in "ln -s $tmp/target u00000005.tmp" "ln -s $tmp/fifo u00000006.bin" "mkfifo u00000007.bin"; do
  make_store
  (cd "$tmp/e.h5.units" && $plant)
  set +e
  timeout 60 "$BIN" run "$tmp/s.yaml" -o "$tmp/e.h5" --resume --quiet 2>"$tmp/err"; rc=$?
  set -e
  [ $rc -eq 2 ] && grep -q "not a regular file" "$tmp/err" || fail "planted '$plant': exit $rc: $(cat "$tmp/err")"
  [ "$(cat "$tmp/target")" = "precious" ] || fail "planted '$plant': the link's target was written"
  [ -p "$tmp/fifo" ] || fail "planted '$plant': the FIFO was replaced"
done

# ---- a folder named OUT.h5.units that bidsim did not make
mkdir "$tmp/f.h5.units"
echo "mine" > "$tmp/f.h5.units/u00000000.bin"
echo "mine" > "$tmp/f.h5.units/thesis.tex"
set +e
"$BIN" run "$tmp/s.yaml" -o "$tmp/f.h5" --quiet 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "not a bidsim unit store" "$tmp/err" || fail "a foreign folder: exit $rc: $(cat "$tmp/err")"
[ "$(cat "$tmp/f.h5.units/u00000000.bin")" = "mine" ] && [ -e "$tmp/f.h5.units/thesis.tex" ] ||
  fail "the run changed a folder it did not make"
echo "unit store: locked against a second run, planted units and links refused, nothing outside it touched"
