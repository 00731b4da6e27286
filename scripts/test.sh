#!/usr/bin/env bash
# Builds yardstick and runs the whole test suite (unit and integration) with CTest.
# Tests that need ../shared/ data fail, not skip, when it is missing under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build --output-on-failure -j "$jobs"
echo "test suite wall time: $(( $(date +%s) - start ))s (build included)"
