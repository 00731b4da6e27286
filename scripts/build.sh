#!/usr/bin/env bash
# Configures and builds yardstick in build/ (warnings are errors). Usage: scripts/build.sh [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DYS_WERROR=ON > build.log 2>&1 || { cat build.log; exit 1; }
if [ "$#" -gt 0 ]; then
  cmake --build build -j "$jobs" --target "$@"
else
  cmake --build build -j "$jobs"
fi
