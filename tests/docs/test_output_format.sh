#!/usr/bin/env bash
# docs/output-format.md lists exactly the dimensions and datasets of the
# table the writer and the reader loop over (sim/output_table.c), printed
# by build/tools/output_table.
set -euo pipefail
/usr/bin/python3 tests/docs/check_output_format.py "${BIDSIM_BUILD_DIR:-build}/tools/output_table" docs/output-format.md
