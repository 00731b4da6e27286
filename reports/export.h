// Exporting a run's samples (`yardstick export`) and showing one (`yardstick show`).
// Formats: docs/REPORTS.md ("Export").
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "harness/store/reader.h"

namespace ys {

// One JSON object per line per stored (task, sample, repeat) of run `run_id`, in the
// store's order: run_id, model, task, sample_id, repeat, request (messages, sampling, as
// sent), response, reasoning, finish_reason, error_kind, error, reference, extracted
// (metric -> answer or null), scores (metric -> value; {} when unscored), prompt_tokens,
// completion_tokens, latency_s. Throws InputError when there is no such run.
void write_jsonl_export(StoreReader& store, int64_t run_id, std::ostream& out);

// CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF,
// quotes doubled), header first; one row per (task, sample, repeat) with columns run_id,
// model, task, sample_id, repeat, prompt, response, reasoning, reference, error_kind,
// error, prompt_tokens, completion_tokens, latency_s, then "score:M" and "extracted:M" for
// every metric M of the run (first-seen order; empty where a row has none). The prompt is
// the messages as "role: content" blocks separated by blank lines.
void write_csv_export(StoreReader& store, int64_t run_id, std::ostream& out);

// `field` as one RFC 4180 CSV field.
std::string csv_field(std::string_view field);

// Every stored answer of run `run_id` to sample `sample_id` (of `task` only, when not
// empty; of repeat `repeat` only, when >= 0), in full: the prompt messages, reasoning,
// response, each metric's extracted answer and score, the reference, tokens, latency and
// any error. Throws InputError when the run or the sample does not exist.
std::string render_sample(StoreReader& store, int64_t run_id, const std::string& sample_id,
                          const std::string& task = "", int repeat = -1);

}  // namespace ys
