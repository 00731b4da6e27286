#include "runners/retry.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

#include "util/strings.h"

namespace ys {

bool is_retryable_status(long status) {
  return status == 408 || status == 409 || status == 425 || status == 429 ||
         (status >= 500 && status <= 599);
}

namespace {

std::optional<long> status_number(const nlohmann::json& v) {
  long n = 0;
  if (v.is_number_integer()) {
    n = v.get<long>();
  } else if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > 3 || s.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    n = std::stol(s);
  } else {
    return std::nullopt;
  }
  if (n < 100 || n > 599) return std::nullopt;
  return n;
}

std::optional<long> status_from_words(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::pair<const char*, long> kWords[] = {
      {"overloaded", 529},     {"rate_limit", 429}, {"rate limit", 429},
      {"server_error", 500},   {"timeout", 500},    {"invalid_request", 400},
      {"authentication", 401}, {"permission", 403}, {"not_found", 404}};
  for (const auto& [word, status] : kWords) {
    if (text.find(word) != std::string::npos) return status;
  }
  return std::nullopt;
}

}  // namespace

std::optional<long> error_object_status(const nlohmann::json& error) {
  if (error.is_string()) return status_from_words(error.get<std::string>());
  if (!error.is_object()) return std::nullopt;
  for (const char* key : {"code", "status"}) {
    if (auto it = error.find(key); it != error.end()) {
      if (auto n = status_number(*it)) return n;
    }
  }
  std::string words;
  for (const char* key : {"type", "code", "status", "message"}) {
    if (auto it = error.find(key); it != error.end() && it->is_string()) {
      words += it->get<std::string>() + " ";
    }
  }
  return status_from_words(words);
}

double backoff_delay(const RetryPolicy& policy, int retry, double unit) {
  double raw = policy.base_delay_s * std::pow(2.0, std::max(0, retry - 1));
  double capped = std::min(policy.max_delay_s, raw);
  return capped * (0.5 + 0.5 * std::clamp(unit, 0.0, 1.0));
}

std::optional<double> parse_retry_after(std::string_view value, std::time_t now) {
  std::string v(trim(value));
  if (v.empty()) return std::nullopt;
  if (v.find_first_not_of("0123456789.") == std::string::npos) {
    char* end = nullptr;
    double seconds = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0') return std::nullopt;
    return std::max(0.0, seconds);
  }
  // RFC 9110 section 5.6.7: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), and the two
  // obsolete forms a recipient must also accept: RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT")
  // and asctime ("Sun Nov  6 08:49:37 1994"). Month and day names are English (C locale).
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* rest = strptime(v.c_str(), format, &tm);
    if (!rest || *rest != '\0') continue;
    std::time_t when = timegm(&tm);
    return std::max(0.0, std::difftime(when, now));
  }
  return std::nullopt;
}

double retry_delay(const RetryPolicy& policy, int retry, std::optional<double> retry_after,
                   double unit) {
  constexpr double kMaxHonouredRetryAfter = 600.0;
  if (retry_after) return std::min(*retry_after, kMaxHonouredRetryAfter);
  return backoff_delay(policy, retry, unit);
}

}  // namespace ys
