#!/usr/bin/env bash
# Every relative link of README.md, BENCHMARKS.md, scenarios/README.md,
# docs/ and examples/ resolves inside the repository, #fragments included
# (the README once sent readers to ../shared/DOMAIN.md, outside any clone).
set -euo pipefail
/usr/bin/python3 tests/docs/check_links.py .
