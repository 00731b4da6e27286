#include "runners/http_pool.h"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <random>
#include <stdexcept>
#include <thread>

#include "runners/flow.h"
#include "util/strings.h"

namespace ys {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxBodyBytes = size_t{64} << 20;

std::string without_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// One replica of HttpPoolOptions::endpoints (event thread only).
struct EndpointState {
  std::string base;
  int outstanding = 0;
  int failures_in_row = 0;
  bool out = false;
  bool probing = false;  // a probe is on the wire
  double probe_after_s = 0;
  Clock::time_point probe_at{};
};

struct Job {
  std::string url;
  std::vector<std::string> headers;
  std::string body;
  HttpPool::Callback done;
  int attempts = 0;
  Clock::time_point first_sent{};
  int64_t tokens = 0;                 // estimated cost for the tokens-per-minute bucket
  std::string suffix;                 // the URL after its endpoint's base URL
  bool pooled = false;                // the URL starts with one of HttpPoolOptions::endpoints
  size_t endpoint = SIZE_MAX;         // the endpoint of the attempt on the wire
  size_t failed_endpoint = SIZE_MAX;  // the endpoint of the last failed attempt
  bool probe = false;                 // the attempt probes an endpoint that is out
  long last_status = 0;               // the last attempt's outcome, for a budget that ends it
  std::string last_error, last_body;
  bool last_stalled = false;
  // Per attempt:
  Clock::time_point sent{};
  bool watch_idle = false;        // HttpPoolOptions::read_timeout_s applies
  Clock::time_point last_byte{};  // when the last byte came (epoch: none yet), if watch_idle
  bool timed_out_idle = false;    // given up by the read timeout
  bool record_arrivals = false;
  std::vector<BodyArrival> arrivals;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  std::string response;
  std::string retry_after;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* job = static_cast<Job*>(user);
  size_t n = size * count;
  if (job->response.size() + n > kMaxBodyBytes) return 0;  // aborts the transfer
  job->response.append(data, n);
  if (job->record_arrivals || job->watch_idle) {
    const auto now = Clock::now();
    job->last_byte = now;
    if (job->record_arrivals) {
      job->arrivals.push_back(
          {job->response.size(), std::chrono::duration<double>(now - job->sent).count()});
    }
  }
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* job = static_cast<Job*>(user);
  size_t n = size * count;
  // Headers do not start or reset the read timeout: a proxy may send them long before the
  // answer (a stream's silence counts from send, a whole answer's from its body).
  std::string_view line(data, n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (size_t i = 0; i < kName.size() && match; ++i) {
      match = std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
    }
    if (match) job->retry_after = std::string(line.substr(kName.size()));
  }
  return n;
}

// Whether a transfer failed before a connection to the server was made (a URL libcurl
// cannot use, such as a mistyped scheme, never makes one).
bool failed_to_connect(CURLcode code, CURL* easy) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:  // the URL can never work: stop like a refused one
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return true;
    case CURLE_OPERATION_TIMEDOUT: {
      curl_off_t connected_us = 0;
      curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connected_us);
      return connected_us == 0;
    }
    default:
      return false;
  }
}

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string base_url_problem(const std::string& url) {
  if (url.empty()) return "the URL is empty";
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (!u) throw std::bad_alloc();
  // Without a scheme libcurl would guess one; a base URL names it.
  if (CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK) {
    return curl_url_strerror(rc);
  }
  char* scheme = nullptr;
  curl_url_get(u.get(), CURLUPART_SCHEME, &scheme, 0);
  const std::string s = scheme ? scheme : "";
  curl_free(scheme);
  if (s != "http" && s != "https") return "the scheme '" + s + "' is not http or https";
  char* host = nullptr;
  const bool has_host = curl_url_get(u.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK && *host;
  curl_free(host);
  if (!has_host) return "no host";
  char* port = nullptr;
  if (curl_url_get(u.get(), CURLUPART_PORT, &port, 0) == CURLUE_OK && std::string(port) == "0") {
    curl_free(port);
    return "port 0 is not a port";
  }
  curl_free(port);
  return "";
}

// The pool drives libcurl with curl_multi_socket_action over epoll: libcurl says which
// sockets to watch and when its next timeout is due, and is told only about sockets that
// are ready. curl_multi_perform instead visits every transfer on each wakeup (a poll()
// per transfer in libcurl 7.x), which cost more CPU than the requests themselves at 64+
// in flight (docs/PERFORMANCE.md, "Remote runs against the load-test server").
struct HttpPool::Impl {
  HttpPoolOptions options;
  CURLM* multi = nullptr;
  int epoll_fd = -1;
  int wake_fd = -1;  // an eventfd: post(), cancel() and the destructor wake the loop
  std::atomic<bool> wake_pending{false};
  // When libcurl wants curl_multi_socket_action(CURL_SOCKET_TIMEOUT); max(): not at all.
  Clock::time_point curl_due = Clock::time_point::max();
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<bool> cancelled{false};
  std::mt19937_64 jitter_rng;
  const Clock::time_point epoch = Clock::now();

  std::mutex mutex;                           // guards `incoming`
  std::deque<std::unique_ptr<Job>> incoming;  // from post(), any thread

  // Owned by the event thread:
  std::deque<std::unique_ptr<Job>> ready;
  std::multimap<Clock::time_point, std::unique_ptr<Job>> waiting;  // retries, by due time
  std::map<CURL*, std::unique_ptr<Job>> active;
  std::vector<EndpointState> endpoints;
  size_t next_endpoint = 0;  // where ties between endpoints start, in turn
  TokenBucket requests_bucket, tokens_bucket;
  Aimd aimd;
  double srtt_s = 0;  // smoothed attempt round-trip time
  // When the head of `ready` may start (a rate limit, or every endpoint out); epoch: now.
  Clock::time_point blocked_until{};
  std::vector<CURL*> idle;  // finished easy handles, reset, for the next attempts

  mutable std::mutex stats_mutex;  // guards `stats`
  HttpPool::Stats stats;

  explicit Impl(HttpPoolOptions o)
      : options(std::move(o)),
        jitter_rng(options.jitter_seed),
        requests_bucket(options.requests_per_min, 1),
        tokens_bucket(options.tokens_per_min, options.tokens_per_min / 60.0),
        aimd(std::max(1, options.max_in_flight)) {
    for (const auto& url : options.endpoints) {
      EndpointState e;
      e.base = without_trailing_slashes(url);
      e.probe_after_s = options.endpoint_policy.probe_after_s;
      endpoints.push_back(e);
      stats.endpoints.push_back({e.base, 0, 0, 0, false});
    }
    stats.window = stats.min_window = aimd.window();
    ensure_curl_global_init();
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epoll_fd < 0 || wake_fd < 0) {
      const std::string why = std::strerror(errno);
      if (epoll_fd >= 0) close(epoll_fd);
      if (wake_fd >= 0) close(wake_fd);
      throw std::runtime_error("HTTP pool: cannot create its epoll instance: " + why);
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev);
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
    thread = std::thread([this] { loop(); });
  }

  ~Impl() {
    stopping = true;
    wake();
    thread.join();
    for (auto& [easy, job] : active) release_attempt(*job);
    for (CURL* e : idle) curl_easy_cleanup(e);
    curl_multi_cleanup(multi);
    close(wake_fd);
    close(epoll_fd);
  }

  // Wakes the loop; one write per batch of posts (the loop clears wake_pending before it
  // takes the posted requests).
  void wake() {
    if (wake_pending.exchange(true)) return;
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd, &one, sizeof one);
  }

  // CURLMOPT_SOCKETFUNCTION: watch `s` for what libcurl waits on, or stop watching it.
  static int on_socket(CURL*, curl_socket_t s, int what, void* user, void*) {
    auto* self = static_cast<Impl*>(user);
    if (what == CURL_POLL_REMOVE) {
      epoll_ctl(self->epoll_fd, EPOLL_CTL_DEL, s, nullptr);  // may be closed already
      return 0;
    }
    epoll_event ev{};
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    ev.data.fd = s;
    if (epoll_ctl(self->epoll_fd, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT) {
      epoll_ctl(self->epoll_fd, EPOLL_CTL_ADD, s, &ev);
    }
    return 0;
  }

  // CURLMOPT_TIMERFUNCTION: libcurl's single timeout, -1 to delete it.
  static int on_timer(CURLM*, long timeout_ms, void* user) {
    auto* self = static_cast<Impl*>(user);
    self->curl_due = timeout_ms < 0 ? Clock::time_point::max()
                                    : Clock::now() + std::chrono::milliseconds(timeout_ms);
    return 0;
  }

  double seconds(Clock::time_point t) const {
    return std::chrono::duration<double>(t - epoch).count();
  }
  int window() const {
    return options.adaptive ? aimd.window() : std::max(1, options.max_in_flight);
  }
  bool ejecting() const { return endpoints.size() >= 2; }

  // The seconds of request budget `job` has left (infinite without a budget).
  double budget_left_s(const Job& job, Clock::time_point now) const {
    if (options.request_budget_s <= 0 || job.attempts == 0) return 1e18;
    return options.request_budget_s - std::chrono::duration<double>(now - job.first_sent).count();
  }

  bool usable(const EndpointState& e, Clock::time_point now) const {
    return !e.out || (!e.probing && e.probe_at <= now);
  }

  // The endpoint for `job`'s next attempt: the usable one with the fewest requests
  // outstanding, avoiding the one that just failed when another is usable; SIZE_MAX when
  // none is usable now (blocked_until says when one will be).
  size_t pick_endpoint(const Job& job, Clock::time_point now) {
    size_t best = SIZE_MAX;
    for (int pass = 0; pass < 2 && best == SIZE_MAX; ++pass) {
      for (size_t k = 0; k < endpoints.size(); ++k) {
        const size_t i = (next_endpoint + k) % endpoints.size();
        if (!usable(endpoints[i], now) || (pass == 0 && i == job.failed_endpoint)) continue;
        if (best == SIZE_MAX || endpoints[i].outstanding < endpoints[best].outstanding) best = i;
      }
    }
    if (best == SIZE_MAX) {
      Clock::time_point soonest = Clock::time_point::max();
      for (const auto& e : endpoints) {
        if (!e.probing) soonest = std::min(soonest, e.probe_at);
      }
      blocked_until =
          soonest == Clock::time_point::max() ? now + std::chrono::milliseconds(100) : soonest;
      return SIZE_MAX;
    }
    next_endpoint = (best + 1) % endpoints.size();
    return best;
  }

  void start_attempt(std::unique_ptr<Job> job, size_t endpoint, Clock::time_point now) {
    if (job->attempts == 0) job->first_sent = now;
    ++job->attempts;
    job->sent = Clock::now();
    job->record_arrivals = options.record_arrivals;
    job->watch_idle = options.read_timeout_s > 0;
    job->last_byte = Clock::time_point{};
    job->timed_out_idle = false;
    job->arrivals.clear();
    job->response.clear();
    job->retry_after.clear();
    job->error_buffer[0] = '\0';
    job->endpoint = endpoint;
    job->probe = false;
    std::string url = job->url;
    if (endpoint != SIZE_MAX) {
      EndpointState& e = endpoints[endpoint];
      url = e.base + job->suffix;
      ++e.outstanding;
      if (e.out) job->probe = e.probing = true;
      std::lock_guard lock(stats_mutex);
      ++stats.endpoints[endpoint].sent;
    }
    double timeout_s = std::min(options.timeout_s, budget_left_s(*job, now));
    CURL* e = idle.empty() ? curl_easy_init() : idle.back();  // reset by release_attempt
    if (!idle.empty()) idle.pop_back();
    job->easy = e;
    job->header_list = nullptr;
    for (const auto& h : job->headers)
      job->header_list = curl_slist_append(job->header_list, h.c_str());
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, job->body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(job->body.size()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, job->header_list);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, job.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, job.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job->error_buffer);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, std::max(1L, static_cast<long>(timeout_s * 1000)));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_multi_add_handle(multi, e);
    active.emplace(e, std::move(job));
  }

  void release_attempt(Job& job) {
    curl_multi_remove_handle(multi, job.easy);
    // Kept for the next attempt: a fresh handle per request cost more CPU than the request.
    curl_easy_reset(job.easy);
    idle.push_back(job.easy);
    curl_slist_free_all(job.header_list);
    job.easy = nullptr;
    job.header_list = nullptr;
  }

  // Breaker state (event thread only).
  bool answered_once = false;
  int connect_failures = 0;
  int failures_in_row = 0;
  Clock::time_point last_answer{};  // or the first attempt, before any answer
  std::string open_reason;          // non-empty once the breaker is open

  bool all_endpoints_out() const {
    return std::all_of(endpoints.begin(), endpoints.end(),
                       [](const EndpointState& e) { return e.out; });
  }

  // Where the breaker's message says requests went: the URL, or every endpoint.
  std::string target(const Job& job) const {
    if (!ejecting() || !job.pooled) return job.url;
    std::string all;
    for (const auto& e : endpoints) all += (all.empty() ? "" : ", ") + e.base + job.suffix;
    return "any endpoint (" + all + ")";
  }

  // Counts one finished attempt; opens the breaker when a rule of CircuitBreaker holds.
  void count_attempt(const Job& job, bool connect_failure, bool failed, const std::string& why) {
    const auto now = Clock::now();
    if (last_answer == Clock::time_point{}) last_answer = job.first_sent;
    if (!failed) {
      answered_once = true;
      failures_in_row = 0;
      last_answer = now;
      return;
    }
    ++failures_in_row;
    if (connect_failure) ++connect_failures;
    if (!open_reason.empty()) return;
    if (ejecting() && job.pooled && !all_endpoints_out()) return;  // another replica may answer
    const CircuitBreaker& b = options.breaker;
    if (b.unreachable_after > 0 && !answered_once && connect_failures >= b.unreachable_after) {
      open_reason = "cannot reach " + target(job) + ": " + why + " (" +
                    std::to_string(connect_failures) +
                    " attempts failed to connect and none was answered; check the base URL "
                    "and that the server is up)";
      return;
    }
    const double outage = std::chrono::duration<double>(now - last_answer).count();
    if (b.failures_after > 0 && failures_in_row >= b.failures_after && outage >= b.outage_s) {
      open_reason = target(job) + " keeps failing: " + std::to_string(failures_in_row) +
                    " attempts in a row failed over " + std::to_string(static_cast<int>(outage)) +
                    " s with no answer (last: " + why + ")";
    }
  }

  // Updates the endpoint of `job`'s finished attempt: out after a connect failure or
  // failures_after failures in a row, back in after any answer below 500.
  void count_endpoint(Job& job, bool connect_failure, bool failed, Clock::time_point now) {
    if (job.endpoint == SIZE_MAX) return;
    const size_t i = job.endpoint;
    EndpointState& e = endpoints[i];
    --e.outstanding;
    if (job.probe) e.probing = false;
    std::lock_guard lock(stats_mutex);
    auto& s = stats.endpoints[i];
    if (!failed) {
      ++s.answered;
      e.failures_in_row = 0;
      e.out = false;
      e.probe_after_s = options.endpoint_policy.probe_after_s;
      s.out = false;
      return;
    }
    job.failed_endpoint = i;
    ++e.failures_in_row;
    if (!ejecting()) return;
    const EndpointPolicy& p = options.endpoint_policy;
    if (job.probe) {  // still down: wait longer before the next probe
      e.probe_after_s = std::min(p.max_probe_after_s, e.probe_after_s * 2);
      e.probe_at = now + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(e.probe_after_s));
      return;
    }
    if (!e.out && (connect_failure || e.failures_in_row >= p.failures_after)) {
      e.out = true;
      e.probe_at = now + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(e.probe_after_s));
      ++s.taken_out;
      s.out = true;
    }
  }

  // Feeds the adaptive window and the smoothed RTT (RFC 6298's 1/8 gain) with one attempt.
  void count_flow(long counted, bool transport_ok, double rtt_s, double now_s) {
    if (transport_ok && counted < 500) srtt_s = srtt_s == 0 ? rtt_s : srtt_s + (rtt_s - srtt_s) / 8;
    std::lock_guard lock(stats_mutex);
    if (transport_ok && (counted == 429 || counted == 529)) {
      ++stats.overloaded;
      if (options.adaptive && aimd.overloaded(now_s, std::max(0.01, srtt_s))) ++stats.decreases;
    } else if (transport_ok && counted >= 200 && counted < 300 && options.adaptive) {
      aimd.succeeded();
    }
    stats.window = window();
    stats.min_window = std::min(stats.min_window, stats.window);
  }

  // Ends `job` unanswered because the breaker is open.
  void give_up(std::unique_ptr<Job> job) {
    HttpResult result;
    result.transport_error = open_reason;
    result.circuit_open = true;
    result.attempts = job->attempts;
    if (job->attempts > 0) {
      result.elapsed_s = std::chrono::duration<double>(Clock::now() - job->first_sent).count();
    }
    job->done(std::move(result));
  }

  // Ends every request not on the wire once the breaker is open.
  void give_up_queued() {
    for (auto& job : ready) give_up(std::move(job));
    ready.clear();
    for (auto& [due, job] : waiting) give_up(std::move(job));
    waiting.clear();
  }

  // Ends `job` with its last attempt's outcome; with `why` (the request budget ran out) as
  // a request that got no answer, the last attempt's outcome named after `why`.
  void conclude(std::unique_ptr<Job> job, const std::string& why = "") {
    HttpResult result;
    result.status = job->last_status;
    result.body = std::move(job->last_body);
    result.transport_error = std::move(job->last_error);
    if (!why.empty()) {
      std::string last = !result.transport_error.empty() ? result.transport_error
                         : result.status != 0            ? "HTTP " + std::to_string(result.status)
                                                         : "";
      result.transport_error = why + (last.empty() ? "" : " (last attempt: " + last + ")");
      result.status = 0;
      result.body.clear();
    }
    result.attempts = job->attempts;
    result.elapsed_s = std::chrono::duration<double>(Clock::now() - job->first_sent).count();
    result.stalled = why.empty() && job->last_stalled;
    result.arrivals = std::move(job->arrivals);
    job->done(std::move(result));
  }

  std::string budget_spent() const {
    char buf[96];
    std::snprintf(buf, sizeof buf, "request budget of %g s spent (--request-timeout)",
                  options.request_budget_s);
    return buf;
  }

  void finish(std::unique_ptr<Job> job, CURLcode code) {
    const auto now = Clock::now();
    long status = 0;
    if (code == CURLE_OK) curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &status);
    double rtt_s = 0;
    curl_easy_getinfo(job->easy, CURLINFO_TOTAL_TIME, &rtt_s);
    std::string transport_error;
    if (code != CURLE_OK) {
      transport_error = job->error_buffer[0] ? job->error_buffer : curl_easy_strerror(code);
    }
    const bool connect_failure = code != CURLE_OK && failed_to_connect(code, job->easy);
    const bool stalled = job->timed_out_idle;
    release_attempt(*job);

    const long counted = code != CURLE_OK || !options.retry_status
                             ? status
                             : options.retry_status(status, job->response);
    const bool retryable = code != CURLE_OK || is_retryable_status(counted);
    const bool failed = code != CURLE_OK || counted >= 500;
    count_endpoint(*job, connect_failure, failed, now);
    count_flow(counted, code == CURLE_OK, rtt_s, seconds(now));
    if (tokens_bucket.limited()) {
      // Tokens were taken on the estimate: a rejected attempt used none, an answer what
      // it reports.
      std::optional<int64_t> used;
      if (counted >= 200 && counted < 300 && options.used_tokens) {
        used = options.used_tokens(job->response);
      } else if (!(counted >= 200 && counted < 300)) {
        used = 0;
      }
      if (used) tokens_bucket.give_back(static_cast<double>(job->tokens - *used), seconds(now));
    }
    count_attempt(*job, connect_failure, failed,
                  code != CURLE_OK ? transport_error : "HTTP " + std::to_string(counted));
    if (!open_reason.empty() && retryable) {
      give_up(std::move(job));
      give_up_queued();
      return;
    }
    job->last_status = status;
    job->last_stalled = stalled;
    job->last_error = std::move(transport_error);
    job->last_body = std::move(job->response);
    const double left = budget_left_s(*job, now);
    if (retryable && left <= 0.001) {
      conclude(std::move(job), code == CURLE_OPERATION_TIMEDOUT ? budget_spent() : "");
      return;
    }
    if (retryable && job->attempts <= options.retry.max_retries && !stopping) {
      auto retry_after = parse_retry_after(job->retry_after, std::time(nullptr));
      double unit = std::uniform_real_distribution<double>(0.0, 1.0)(jitter_rng);
      double delay = retry_delay(options.retry, job->attempts, retry_after, unit);
      // A replica that failed (not one that pushed back) is avoided: with another usable
      // endpoint the retry goes there at once.
      if (failed && counted != 529 && ejecting() && job->pooled) {
        for (size_t i = 0; i < endpoints.size(); ++i) {
          if (i != job->failed_endpoint && usable(endpoints[i], now)) delay = 0;
        }
      }
      if (delay >= left) {  // the budget ends before the retry could start
        conclude(std::move(job));
        return;
      }
      auto due =
          now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay));
      waiting.emplace(due, std::move(job));
      return;
    }
    conclude(std::move(job));
  }

  // Starts what the window, the rate limits and the endpoints allow; sets blocked_until
  // when the head of `ready` has to wait.
  void start_ready() {
    blocked_until = Clock::time_point{};
    while (!ready.empty() && static_cast<int>(active.size()) < window()) {
      const auto now = Clock::now();
      Job& job = *ready.front();
      if (job.attempts > 0 && budget_left_s(job, now) <= 0.001) {
        std::unique_ptr<Job> late = std::move(ready.front());
        ready.pop_front();
        conclude(std::move(late), budget_spent());
        continue;
      }
      size_t endpoint = SIZE_MAX;
      if (job.pooled) {
        endpoint = pick_endpoint(job, now);
        if (endpoint == SIZE_MAX) return;
      }
      const double now_s = seconds(now);
      const double wait = std::max(requests_bucket.wait_s(1, now_s),
                                   tokens_bucket.wait_s(static_cast<double>(job.tokens), now_s));
      if (wait > 0) {
        blocked_until =
            now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait));
        return;
      }
      requests_bucket.take(1, now_s);
      tokens_bucket.take(static_cast<double>(job.tokens), now_s);
      std::unique_ptr<Job> next = std::move(ready.front());
      ready.pop_front();
      start_attempt(std::move(next), endpoint, now);
    }
  }

  // Read timeout (HttpPoolOptions::read_timeout_s): when the attempts on the wire are next
  // checked for silence.
  Clock::time_point next_idle_check{};

  // When `job`'s silence started, or nullopt when the read timeout does not run yet (no
  // byte and, from send, no connection: the connect timeout bounds that).
  std::optional<Clock::time_point> silent_since(const Job& job) const {
    if (job.last_byte != Clock::time_point{}) return job.last_byte;
    if (!options.read_timeout_from_send) return std::nullopt;
    // Pre-transfer time: set once the request is about to go, on a new connection or a
    // reused one (whose connect time stays 0).
    curl_off_t ready_us = 0;
    curl_easy_getinfo(job.easy, CURLINFO_PRETRANSFER_TIME_T, &ready_us);
    if (ready_us <= 0) return std::nullopt;
    return job.sent + std::chrono::microseconds(ready_us);
  }

  // Gives up the attempts that received no byte for more than the read timeout, as
  // stalled. A scan of the attempts on the wire every read_timeout_s / 10 (5 ms to 1 s):
  // libcurl's low-speed limit averages over seconds, so a stall was found seconds late.
  void give_up_silent(Clock::time_point now) {
    if (options.read_timeout_s <= 0 || now < next_idle_check) return;
    const double every_s = std::clamp(options.read_timeout_s / 10, 0.005, 1.0);
    next_idle_check =
        now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(every_s));
    const auto limit = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options.read_timeout_s));
    std::vector<CURL*> silent;
    for (const auto& [easy, job] : active) {
      const auto since = silent_since(*job);
      if (since && now - *since > limit) silent.push_back(easy);
    }
    for (CURL* easy : silent) {
      auto it = active.find(easy);
      std::unique_ptr<Job> job = std::move(it->second);
      active.erase(it);
      job->timed_out_idle = true;
      std::snprintf(job->error_buffer, sizeof job->error_buffer,
                    "no byte received for %g s (--read-timeout)", options.read_timeout_s);
      finish(std::move(job), CURLE_OPERATION_TIMEDOUT);
    }
  }

  // Milliseconds until libcurl's timeout, the next retry, a blocked start or the read
  // timeout's check is due, capped so that the loop notices stop requests.
  int poll_timeout_ms() const {
    constexpr int kMaxWaitMs = 1000;
    Clock::time_point wake = curl_due;
    if (!waiting.empty()) wake = std::min(wake, waiting.begin()->first);
    if (!active.empty() && options.read_timeout_s > 0) wake = std::min(wake, next_idle_check);
    if (!ready.empty() && blocked_until != Clock::time_point{})
      wake = std::min(wake, blocked_until);
    if (wake == Clock::time_point::max()) return kMaxWaitMs;
    // Rounded up, so that a wait of less than a millisecond does not spin.
    auto until = std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now());
    return static_cast<int>(std::clamp<long long>(until.count(), 0, kMaxWaitMs));
  }

  // Drops every request without calling its callback (HttpPool::cancel).
  void drop_all() {
    {
      std::lock_guard lock(mutex);
      incoming.clear();
    }
    ready.clear();
    waiting.clear();
    for (auto& [easy, job] : active) release_attempt(*job);
    active.clear();
  }

  // Hands libcurl what epoll reported and its due timeout, then finishes what is done.
  void drive(const epoll_event* events, int n) {
    int running = 0;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.fd == wake_fd) continue;
      int mask = 0;
      if (events[i].events & EPOLLIN) mask |= CURL_CSELECT_IN;
      if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
      curl_multi_socket_action(multi, events[i].data.fd, mask, &running);
    }
    // A timeout of 0 (as after adding a handle) is due at once.
    while (curl_due <= Clock::now()) {
      curl_due = Clock::time_point::max();
      curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      auto it = active.find(msg->easy_handle);
      if (it == active.end()) continue;
      std::unique_ptr<Job> job = std::move(it->second);
      active.erase(it);
      finish(std::move(job), msg->data.result);
    }
    give_up_silent(Clock::now());
  }

  void loop() {
    constexpr int kMaxEvents = 256;
    epoll_event events[kMaxEvents];
    while (!stopping) {
      // Cleared before the flags are read: a cancel or stop set after this point wakes the
      // loop again instead of waiting out epoll's timeout.
      wake_pending = false;
      if (cancelled) drop_all();
      {
        std::lock_guard lock(mutex);
        while (!incoming.empty()) {
          ready.push_back(std::move(incoming.front()));
          incoming.pop_front();
        }
      }
      if (!open_reason.empty()) give_up_queued();
      auto now = Clock::now();
      while (!waiting.empty() && waiting.begin()->first <= now) {
        ready.push_back(std::move(waiting.begin()->second));
        waiting.erase(waiting.begin());
      }
      start_ready();
      drive(nullptr, 0);  // libcurl starts what was added (a timeout of 0)
      if (stopping) break;
      bool startable = !ready.empty() && static_cast<int>(active.size()) < window() &&
                       blocked_until == Clock::time_point{};
      int n = epoll_wait(epoll_fd, events, kMaxEvents, startable ? 0 : poll_timeout_ms());
      if (n < 0) n = 0;  // EINTR
      for (int i = 0; i < n; ++i) {
        if (events[i].data.fd == wake_fd) {
          uint64_t count = 0;
          [[maybe_unused]] ssize_t r = read(wake_fd, &count, sizeof count);
        }
      }
      drive(events, n);
    }
  }

  void post(std::unique_ptr<Job> job) {
    if (!endpoints.empty()) {
      for (const auto& e : endpoints) {
        if (job->url.rfind(e.base, 0) == 0) {
          job->suffix = job->url.substr(e.base.size());
          job->pooled = true;
          break;
        }
      }
    }
    if (options.tokens_per_min > 0 && options.estimate_tokens) {
      job->tokens = options.estimate_tokens(job->body);
    }
    {
      std::lock_guard lock(mutex);
      incoming.push_back(std::move(job));
    }
    wake();
  }
};

HttpPool::HttpPool(HttpPoolOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpPool::~HttpPool() = default;

void HttpPool::post(std::string url, std::vector<std::string> headers, std::string body,
                    Callback done) {
  auto job = std::make_unique<Job>();
  job->url = std::move(url);
  job->headers = std::move(headers);
  job->body = std::move(body);
  job->done = std::move(done);
  impl_->post(std::move(job));
}

void HttpPool::cancel() {
  impl_->cancelled = true;
  impl_->wake();
}

HttpPool::Stats HttpPool::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->stats;
}

std::string HttpPool::summary() const {
  const Stats s = stats();
  std::string out;
  if (s.overloaded > 0) {
    out = count_of(static_cast<size_t>(s.overloaded), "answer", "answers") +
          " 429/529, window halved " + count_of(static_cast<size_t>(s.decreases), "time", "times") +
          " to " + std::to_string(s.min_window) + ", now " + std::to_string(s.window);
  }
  if (s.endpoints.size() >= 2) {
    std::string each;
    for (const auto& e : s.endpoints) {
      each += (each.empty() ? "" : ", ") + e.base_url + " " + std::to_string(e.sent) + " sent";
      if (e.taken_out > 0) each += " (taken out " + std::to_string(e.taken_out) + "x)";
    }
    out += (out.empty() ? "" : "; ") + std::string("endpoints: ") + each;
  }
  return out;
}

}  // namespace ys
