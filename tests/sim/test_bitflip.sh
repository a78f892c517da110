#!/usr/bin/env bash
# The bit-flip harness (tests/sim/bitflip.py): BIDSIM_BITFLIPS copies of a
# small result file (240 by default, 50 under the sanitizers), each with
# one bit flipped from a fixed seed, given to report, compare, merge and run
# --resume: each reads the undamaged numbers or refuses with exit 2 and one
# line; never a crash, a hang or other numbers.
set -euo pipefail
BIN="${BIDSIM_BUILD_DIR:-build}/bidsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$(dirname "$0")/bitflip.py" "$BIN" "$tmp" "${BIDSIM_BITFLIPS:-240}" 12
