#!/usr/bin/env bash
# Writes a synthetic store for benchmarking `yardstick report`: MODELS runs (one model
# each) x 5 tasks x SAMPLES samples, each with a ~0.5 KB chat request, a short answer
# with reasoning, extracted answers and one 0/1 score; model m answers right with
# probability (40 + 2m)%. The schema comes from yardstick itself (a one-sample mock run);
# the rows are straight SQL inserts. Usage:
#   bench/make_report_store.sh OUT.db [MODELS=20] [SAMPLES_PER_TASK=10000]
# Needs the built yardstick (build/yardstick) and the sqlite3 command.
set -euo pipefail
out=${1:?usage: make_report_store.sh OUT.db [MODELS] [SAMPLES_PER_TASK]}
models=${2:-20}
per_task=${3:-10000}
root=$(cd "$(dirname "$0")/.." && pwd)
rm -f "$out" "$out-wal" "$out-shm"
"$root/build/yardstick" run --db "$out" --specs "$root/tasks/specs" --model mock:oracle \
  --tasks arith --limit 1 > /dev/null
total=$((models * 5 * per_task))
sqlite3 "$out" <<SQL
PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
BEGIN;
DELETE FROM scores; DELETE FROM samples; DELETE FROM metrics; DELETE FROM runs;
WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < $models)
INSERT INTO runs(id, fingerprint, model, runner_config, tasks, seed, repeats, sample_limit,
                 yardstick_version, git_describe, started_at, finished_at, status, command)
SELECT i, 'bench' || i, 'openai:model-' || printf('%02d', i),
       json_object('type', 'openai', 'base_url', 'http://localhost:8000/v1'),
       '["task0","task1","task2","task3","task4"]', 1234, 1, -1, '0.1.0', 'bench',
       '2026-12-01T00:00:00Z', '2026-12-01T01:00:00Z', 'completed', 'bench' FROM m;
WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i < 4)
INSERT INTO metrics(run_id, task, metric, aggregation, position)
SELECT r.id, 'task' || t.i, 'exact_match', 'mean', 0 FROM runs r, t;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $total - 1),
rows AS (
  SELECT 1 + i / ($per_task * 5) AS run, 'task' || ((i / $per_task) % 5) AS task,
         printf('%06d', i % $per_task) AS sid, i % $per_task AS k,
         (abs(random()) % 100) < (40 + 2 * (1 + i / ($per_task * 5))) AS ok
  FROM n)
INSERT INTO samples(run_id, task, sample_id, repeat, cache_key, request, response, reference,
                    extracted, scores, prompt_tokens, completion_tokens, latency_s, error_kind,
                    error, written_at)
SELECT run, task, sid, 0, hex(randomblob(16)),
       json_object('messages', json_array(json_object('role', 'user', 'content',
         'Question: A shop sells ' || k || ' apples on Monday and ' || (k % 97) ||
         ' more on Tuesday than on Monday. Each apple costs ' || (k % 13 + 1) ||
         ' dollars. How much money does the shop take over the two days? Think step by step ' ||
         'and end with #### followed by the answer.' || char(10) || 'Answer:')),
         'repeat', 0, 'sampling', json_object('max_tokens', 256, 'stop', json_array('Question:'),
         'temperature', 0)),
       json_object('text', 'Monday ' || k || ', Tuesday ' || (k + k % 97) || ', total ' ||
         (2 * k + k % 97) || ' apples at ' || (k % 13 + 1) || ' each. #### ' ||
         CASE WHEN ok THEN (2 * k + k % 97) * (k % 13 + 1) ELSE k END,
         'reasoning', 'The shop sells ' || k || ' then ' || (k + k % 97) || '.',
         'finish_reason', 'stop', 'prompt_tokens', 60 + k % 40, 'completion_tokens', 30 + k % 20,
         'latency_s', 0.5 + (k % 100) / 100.0, 'attempts', 1),
       CAST((2 * k + k % 97) * (k % 13 + 1) AS TEXT),
       json_object('exact_match', CAST(CASE WHEN ok THEN (2 * k + k % 97) * (k % 13 + 1)
                                            ELSE k END AS TEXT)),
       json_object('exact_match', CASE WHEN ok THEN 1.0 ELSE 0.0 END),
       60 + k % 40, 30 + k % 20, 0.5 + (k % 100) / 100.0 + run / 20.0, NULL, NULL,
       '2026-12-01T00:30:00Z'
FROM rows;
INSERT INTO scores(sample_row, run_id, task, metric, value)
SELECT id, run_id, task, 'exact_match', json_extract(scores, '\$.exact_match') FROM samples;
COMMIT;
SQL
echo "$out: $(sqlite3 "$out" 'SELECT count(*) FROM samples') samples, $models models"
