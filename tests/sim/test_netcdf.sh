#!/usr/bin/env bash
# Result files open in xarray (h5netcdf and netcdf4 engines) and ncdump with
# the table's dimensions and labels, money in yuan, figures equal to the
# report's; /plan_slot and /market checked by hand (tests/sim/check_netcdf.py).
set -euo pipefail
B=${BIDSIM_BUILD_DIR:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 tests/sim/check_netcdf.py "$B/bidsim" "$B/tools/output_table" "$T"
