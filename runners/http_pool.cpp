#include "runners/http_pool.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace ys {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxBodyBytes = size_t{64} << 20;

struct Job {
  std::string url;
  std::vector<std::string> headers;
  std::string body;
  HttpPool::Callback done;
  int attempts = 0;
  Clock::time_point first_sent{};
  // Per attempt:
  Clock::time_point sent{};
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
  if (job->record_arrivals) {
    job->arrivals.push_back(
        {job->response.size(), std::chrono::duration<double>(Clock::now() - job->sent).count()});
  }
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* job = static_cast<Job*>(user);
  size_t n = size * count;
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

// Whether a transfer failed before a connection to the server was made.
bool failed_to_connect(CURLcode code, CURL* easy) {
  switch (code) {
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

struct HttpPool::Impl {
  HttpPoolOptions options;
  CURLM* multi = nullptr;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::mt19937_64 jitter_rng;

  std::mutex mutex;                           // guards `incoming`
  std::deque<std::unique_ptr<Job>> incoming;  // from post(), any thread

  // Owned by the event thread:
  std::deque<std::unique_ptr<Job>> ready;
  std::multimap<Clock::time_point, std::unique_ptr<Job>> waiting;  // retries, by due time
  std::map<CURL*, std::unique_ptr<Job>> active;

  explicit Impl(HttpPoolOptions o) : options(o), jitter_rng(o.jitter_seed) {
    ensure_curl_global_init();
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    thread = std::thread([this] { loop(); });
  }

  ~Impl() {
    stopping = true;
    curl_multi_wakeup(multi);
    thread.join();
    for (auto& [easy, job] : active) release_attempt(*job);
    curl_multi_cleanup(multi);
  }

  void start_attempt(std::unique_ptr<Job> job) {
    if (job->attempts == 0) job->first_sent = Clock::now();
    ++job->attempts;
    job->sent = Clock::now();
    job->record_arrivals = options.record_arrivals;
    job->arrivals.clear();
    job->response.clear();
    job->retry_after.clear();
    job->error_buffer[0] = '\0';
    CURL* e = curl_easy_init();
    job->easy = e;
    job->header_list = nullptr;
    for (const auto& h : job->headers)
      job->header_list = curl_slist_append(job->header_list, h.c_str());
    curl_easy_setopt(e, CURLOPT_URL, job->url.c_str());
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, job->body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(job->body.size()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, job->header_list);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, job.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, job.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job->error_buffer);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout_s * 1000));
    if (options.read_timeout_s > 0) {  // under 1 byte/s for that long: stalled
      curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                       static_cast<long>(std::ceil(options.read_timeout_s)));
    }
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_multi_add_handle(multi, e);
    active.emplace(e, std::move(job));
  }

  void release_attempt(Job& job) {
    curl_multi_remove_handle(multi, job.easy);
    curl_easy_cleanup(job.easy);
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
    const CircuitBreaker& b = options.breaker;
    if (b.unreachable_after > 0 && !answered_once && connect_failures >= b.unreachable_after) {
      open_reason = "cannot reach " + job.url + ": " + why + " (" +
                    std::to_string(connect_failures) +
                    " attempts failed to connect and none was answered; check the base URL "
                    "and that the server is up)";
      return;
    }
    const double outage = std::chrono::duration<double>(now - last_answer).count();
    if (b.failures_after > 0 && failures_in_row >= b.failures_after && outage >= b.outage_s) {
      open_reason = job.url + " keeps failing: " + std::to_string(failures_in_row) +
                    " attempts in a row failed over " + std::to_string(static_cast<int>(outage)) +
                    " s with no answer (last: " + why + ")";
    }
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

  void finish(std::unique_ptr<Job> job, CURLcode code) {
    long status = 0;
    if (code == CURLE_OK) curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &status);
    std::string transport_error;
    if (code != CURLE_OK) {
      transport_error = job->error_buffer[0] ? job->error_buffer : curl_easy_strerror(code);
    }
    const bool connect_failure = code != CURLE_OK && failed_to_connect(code, job->easy);
    // curl says "Operation too slow" when the low-speed limit (read_timeout_s) fired.
    const bool stalled = code == CURLE_OPERATION_TIMEDOUT && options.read_timeout_s > 0 &&
                         transport_error.find("too slow") != std::string::npos;
    release_attempt(*job);

    const long counted = code != CURLE_OK || !options.retry_status
                             ? status
                             : options.retry_status(status, job->response);
    const bool retryable = code != CURLE_OK || is_retryable_status(counted);
    count_attempt(*job, connect_failure, code != CURLE_OK || counted >= 500,
                  code != CURLE_OK ? transport_error : "HTTP " + std::to_string(counted));
    if (!open_reason.empty() && retryable) {
      give_up(std::move(job));
      give_up_queued();
      return;
    }
    if (retryable && job->attempts <= options.retry.max_retries && !stopping) {
      auto retry_after = parse_retry_after(job->retry_after, std::time(nullptr));
      double unit = std::uniform_real_distribution<double>(0.0, 1.0)(jitter_rng);
      double delay = retry_delay(options.retry, job->attempts, retry_after, unit);
      auto due = Clock::now() +
                 std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay));
      waiting.emplace(due, std::move(job));
      return;
    }
    HttpResult result;
    result.status = status;
    result.body = std::move(job->response);
    result.transport_error = std::move(transport_error);
    result.attempts = job->attempts;
    result.elapsed_s = std::chrono::duration<double>(Clock::now() - job->first_sent).count();
    result.stalled = stalled;
    result.arrivals = std::move(job->arrivals);
    job->done(std::move(result));
  }

  // Milliseconds until the next retry is due, capped so that the loop notices stop requests.
  int poll_timeout_ms() const {
    constexpr int kMaxWaitMs = 1000;
    if (waiting.empty()) return kMaxWaitMs;
    auto until = std::chrono::duration_cast<std::chrono::milliseconds>(waiting.begin()->first -
                                                                       Clock::now());
    return static_cast<int>(std::clamp<long long>(until.count(), 0, kMaxWaitMs));
  }

  void loop() {
    while (!stopping) {
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
      while (!ready.empty() && static_cast<int>(active.size()) < options.max_in_flight) {
        start_attempt(std::move(ready.front()));
        ready.pop_front();
      }

      int running = 0;
      curl_multi_perform(multi, &running);
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        auto it = active.find(msg->easy_handle);
        if (it == active.end()) continue;
        std::unique_ptr<Job> job = std::move(it->second);
        active.erase(it);
        finish(std::move(job), msg->data.result);
      }
      if (stopping) break;
      bool startable = !ready.empty() && static_cast<int>(active.size()) < options.max_in_flight;
      curl_multi_poll(multi, nullptr, 0, startable ? 0 : poll_timeout_ms(), nullptr);
    }
  }

  void post(std::unique_ptr<Job> job) {
    {
      std::lock_guard lock(mutex);
      incoming.push_back(std::move(job));
    }
    curl_multi_wakeup(multi);
  }
};

HttpPool::HttpPool(HttpPoolOptions options) : impl_(std::make_unique<Impl>(options)) {}
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

}  // namespace ys
