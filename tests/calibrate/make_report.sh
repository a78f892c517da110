#!/usr/bin/env bash
# tests/calibrate/make_report.sh - regenerate report.csv from shop.yaml:
# replicate 1000 of its seed through the in-memory evaluator, written as
# Pinduoduo's back end exports a plan report (UTF-8 with a BOM, Chinese
# headers, yuan). Run from the repository root after a build:
#   bash tests/calibrate/make_report.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
"$build/tools/make_history" tests/calibrate/shop.yaml 1000 > tests/calibrate/report.csv
echo "tests/calibrate/report.csv: $(wc -l < tests/calibrate/report.csv) lines"
