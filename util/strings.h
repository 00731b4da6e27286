// Small string helpers used across layers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ys {

// `s` without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view s);

// `s` with ASCII letters lower-cased (other bytes kept).
std::string ascii_lower(std::string s);

// Splits on `sep`, keeping empty fields.
std::vector<std::string> split(std::string_view s, char sep);

// Every non-overlapping occurrence of `from` (non-empty), left to right, replaced by `to`:
// Python's str.replace.
std::string replace_all(std::string_view s, std::string_view from, std::string_view to);

// Splits on every occurrence of `sep` (non-empty), keeping empty fields: Python's
// str.split(sep).
std::vector<std::string> split_on(std::string_view s, std::string_view sep);

// Length of UTF-8 `s` in Unicode code points (Python's len of the decoded text): the unit
// of OpenAI-style text offsets and of lm-evaluation-harness's character counts.
size_t code_points(std::string_view s);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view s);

// "1h02m", "3m05s", "4.2s": a duration for humans.
std::string format_duration(double seconds);

// "1 sample", "3 samples", "1 time": a count with its noun, plural when n != 1.
std::string count_of(size_t n, std::string_view singular, std::string_view plural);

// Natural order for ids such as "q9" < "q10" < "q10b": runs of ASCII digits compare by
// value (then the one with fewer leading zeros first), everything else byte by byte.
// A strict weak ordering; equal strings only compare equal.
bool natural_less(std::string_view a, std::string_view b);

// ISO-8601 UTC timestamp of now, e.g. "2026-11-29T05:01:02Z".
std::string utc_now_iso();

}  // namespace ys
