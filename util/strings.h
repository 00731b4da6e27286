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

// Length of UTF-8 `s` in Unicode code points (Python's len of the decoded text): the unit
// of OpenAI-style text offsets and of lm-evaluation-harness's character counts.
size_t code_points(std::string_view s);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view s);

// "1h02m", "3m05s", "4.2s": a duration for humans.
std::string format_duration(double seconds);

// ISO-8601 UTC timestamp of now, e.g. "2026-11-29T05:01:02Z".
std::string utc_now_iso();

}  // namespace ys
