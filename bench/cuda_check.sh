#!/usr/bin/env bash
# The GPU check of the CUDA backend (docs/ENGINE.md "CUDA backend"), prepared to run once on
# a GPU machine within 10 minutes: build with nvcc, run ys_cuda_tests, then
# `yardstick engine bench --device cuda` on random Llama-3-8B-shaped models (BF16, Q8_0).
# Everything it prints goes to $OUT (default ./cuda_check_out): build.log, nvidia-smi.txt,
# cuda_tests.log/.xml, bench_BF16.md, bench_Q8_0.md, summary.txt.
# Usage (repository root): OUT=/some/dir bash bench/cuda_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/cuda_check_out}
mkdir -p "$OUT"
start=$(date +%s)
log() { echo "[$(($(date +%s) - start))s] $*" | tee -a "$OUT/summary.txt"; }
jobs=$(nproc 2>/dev/null || echo 4)
export PATH=/usr/local/cuda/bin:$PATH

nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || log "nvidia-smi failed (see nvidia-smi.txt)"
log "configure and build (nvcc, sm_90 + PTX, $jobs jobs)"
if ! timeout 330 bash -c "cmake -S . -B build-cuda -DCMAKE_BUILD_TYPE=Release -DYS_WERROR=ON \
      > '$OUT/build.log' 2>&1 && cmake --build build-cuda -j $jobs \
      --target ys_cuda_tests ys_random_model yardstick >> '$OUT/build.log' 2>&1"; then
  log "BUILD FAILED (tail of build.log follows)"
  tail -40 "$OUT/build.log" | tee -a "$OUT/summary.txt"
  exit 1
fi
grep -m1 "CUDA backend" "$OUT/build.log" | tee -a "$OUT/summary.txt"

log "ys_cuda_tests"
timeout 150 build-cuda/tests/engine/ys_cuda_tests --gtest_output=xml:"$OUT/cuda_tests.xml" \
  > "$OUT/cuda_tests.log" 2>&1
log "ys_cuda_tests exit $? ($(grep -c '^\[       OK' "$OUT/cuda_tests.log") ok, $(grep -c '^\[  FAILED' "$OUT/cuda_tests.log") failed lines, $(grep -c '^\[  SKIPPED' "$OUT/cuda_tests.log") skipped)"
grep -E '^\[  (FAILED|SKIPPED) ' "$OUT/cuda_tests.log" | head -20 | tee -a "$OUT/summary.txt"

# The 8B benchmarks: each model is written to local disk, benchmarked and removed. Skipped
# when fewer than 120 s are left of the 10 minutes.
model_dir=${TMPDIR:-/tmp}
for type in BF16 Q8_0; do
  if (( $(date +%s) - start > 480 )); then log "no time left for the $type benchmark"; continue; fi
  f="$model_dir/ys_llama3_8b_$type.gguf"
  log "writing $f"
  timeout 150 build-cuda/tests/engine/ys_random_model "$f" "$type" llama3-8b >> "$OUT/summary.txt" 2>&1 ||
    { log "model $type failed"; rm -f "$f"; continue; }
  log "bench $type"
  timeout 150 build-cuda/yardstick engine bench "$f" --device cuda --prompt-tokens 2048 \
    --gen-tokens 32 --repeats 2 --batches 1,8,64,256 > "$OUT/bench_$type.md" 2>&1
  log "bench $type exit $?"
  cat "$OUT/bench_$type.md" | tee -a "$OUT/summary.txt"
  rm -f "$f"
done
log "done"
