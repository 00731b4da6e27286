#!/usr/bin/env bash
# Builds yardstick and runs an evaluation end to end with no API key and no network:
# three offline mock models on the bundled tasks (arith, and stdio-basic run in the code
# sandbox), stored in results/yardstick.db, with an
# HTML report in results/report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh yardstick
ys=./build/yardstick
models=mock:oracle,mock:noisy:0.7,mock:wrong

$ys tasks
echo
$ys run --model "$models" --tasks arith,stdio-basic --db results/yardstick.db
gsm8k="${YARDSTICK_DATA:-../shared/datasets}/gsm8k/test.jsonl"
if [ -f "$gsm8k" ]; then
  echo
  $ys run --model "$models" --tasks gsm8k --data "$gsm8k" --limit 300 --db results/yardstick.db
fi
echo
$ys runs --db results/yardstick.db
$ys report --db results/yardstick.db --out results/report.html
cat <<'TXT'

Done. Open results/report.html in a browser.
To evaluate a real model behind an OpenAI-compatible server (vLLM, SGLang, llama.cpp, ...):
  ./build/yardstick run --model openai:MODEL_NAME --base-url http://HOST:PORT/v1 --suite quick
For the OpenAI API itself: export OPENAI_API_KEY=... and use --model openai:gpt-4o-mini
TXT
