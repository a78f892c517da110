#!/usr/bin/env bash
# The golden test: the datasets of tests/golden/golden.yaml's result at its
# fixed seed hash to tests/golden/golden.sha256, with one thread and with two.
set -euo pipefail
B=${BIDSIM_BUILD_DIR:-build}/bidsim
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for threads in 1 2; do
  "$B" run tests/golden/golden.yaml -o "$T/g$threads.h5" --threads $threads -q
  /usr/bin/python3 tests/tools/golden.py "$T/g$threads.h5" tests/golden/golden.sha256
done
