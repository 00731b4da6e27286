#!/usr/bin/env bash
# Builds yardstick and runs an evaluation end to end with no API key, no network and no
# data beside the checkout: a real model bundled with yardstick (local:stories260K, run
# in-process on the CPU) beside three offline mock models, on the bundled tasks (arith,
# generated; story-words, multiple choice; stdio-basic, run in the code sandbox). The demo's
# own store, results/demo.db, is made afresh each time (so that every request is really
# sent and timed); the HTML report goes to results/demo.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh yardstick
start=$(date +%s)
ys=./build/yardstick
db=results/demo.db
report=results/demo.html
rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
mocks=mock:oracle,mock:noisy:0.7,mock:wrong
real=local:stories260K
table=$(mktemp)
trap 'rm -f "$table"' EXIT

$ys tasks
echo
echo "== 1. A real model and three mocks, side by side: arith and story-words, zero-shot, first 100 samples =="
# Zero-shot: the tiny model's 512-token context cannot hold arith's three worked examples.
$ys run --model "$real,$mocks" --tasks arith,story-words --fewshot 0 --limit 100 --db "$db" |
  tee "$table"
# The engine's throughput: prompt plus generated tokens over the wall time, from the table's
# `tokens` and `wall` columns of the real model's rows (one row per task).
awk -v m="$real" '$1 == m && !seen[$2]++ && $9 ~ /^[0-9.]+s$/ {
    tokens += $8; wall += $9 + 0 }
  END { if (wall > 0) printf "\nThe engine ran %s at %.0f tokens/s (%d prompt and generated tokens in %.1fs, 1 CPU thread).\n", m, tokens / wall, tokens, wall }' "$table"
echo
echo "== 2. The mocks on stdio-basic: 32 programs per model, compiled or run in the sandbox =="
$ys run --model "$mocks" --tasks stdio-basic --db "$db"
gsm8k="${YARDSTICK_DATA:-../shared/datasets}/gsm8k/test.jsonl"
if [ -f "$gsm8k" ]; then
  echo
  echo "== 3. GSM8K, found in $(dirname "$gsm8k") =="
  $ys run --model "$mocks" --tasks gsm8k --data "$gsm8k" --limit 300 --db "$db"
fi
echo
$ys runs --db "$db"
$ys report --db "$db" --out "$report"
cat <<TXT

How to read the tables:
  value     the metric's mean over the samples, from 0 (all wrong) to 1 (all right):
              exact_match/strict    the number after "####" in the answer equals the reference
              exact_match/flexible  the last number in the answer does
              acc                   the choice the model finds most likely is the right one
              acc_norm              the same, with each choice's likelihood per character
              pass@1                the program passes every test
  ± stderr  the standard error of that mean: value ± 2 x stderr is roughly a 95% interval
  samples   questions asked; errors: those left without an answer (stored with the reason)
  tokens    prompt and generated tokens (exact for local:, estimated at 4 characters for mock:)
  wall      seconds spent on the task in this run
The models: mock:oracle always answers right (the ceiling, 1) and mock:wrong never (the
floor, 0); mock:noisy:0.7 is right 70% of the time at random. local:stories260K is a real,
260K-parameter model trained on children's stories (models/README.md), run here on the
CPU: it cannot do arithmetic (0 on arith) but picks the word that fits a story far more
often than chance (story-words has 4 choices: chance is 0.25).

The store:  $(pwd)/$db   (SQLite: every prompt, answer, score and token count;
            ./build/yardstick runs --db $db lists the runs)
The report: $(pwd)/$report   (open it in a browser)
Demo time after the build: $(($(date +%s) - start))s.

Next, a real API model (any OpenAI-compatible server: vLLM, SGLang, llama.cpp, ...):
  ./build/yardstick run --model openai:MODEL_NAME --base-url http://HOST:PORT/v1 --suite quick
or the OpenAI API itself:
  export OPENAI_API_KEY=...
  ./build/yardstick run --model openai:gpt-4o-mini --tasks arith --limit 100
TXT
