#!/usr/bin/env bash
# The golden tests: the datasets of tests/golden/golden.yaml's result at its
# fixed seed hash to tests/golden/golden.sha256, and those of the same
# scenario under the first model (golden_first_model.yaml) to the first
# model's hashes, each with one thread and with two.
set -euo pipefail
B=${BIDSIM_BUILD_DIR:-build}/bidsim
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for name in golden golden_first_model; do
  for threads in 1 2; do
    "$B" run tests/golden/$name.yaml -o "$T/g$threads.h5" --threads $threads -q
    /usr/bin/python3 tests/tools/golden.py "$T/g$threads.h5" tests/golden/$name.sha256
  done
done
