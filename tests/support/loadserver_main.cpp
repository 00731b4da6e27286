// ys_loadserver: the load-test model server as a program (tests/support/loadserver.h).
// Serves until SIGINT or SIGTERM, then prints its counts as JSON on stdout.
#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "tests/support/loadserver.h"
#include "util/strings.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) {
  g_stop = 1;
}
}  // namespace

int main(int argc, char** argv) {
  ys::test::LoadServerOptions o;
  std::string faults;
  CLI::App app{"Load-test server: OpenAI- and Anthropic-compatible, loopback only"};
  app.add_option("--host", o.host, "IPv4 loopback address")->capture_default_str();
  app.add_option("--port", o.port, "0: any free port")->capture_default_str();
  app.add_option("--latency-ms", o.latency_ms, "Latency before an answer (mean)");
  app.add_option("--latency-dist", o.latency_dist, "fixed, uniform or exponential")
      ->check(CLI::IsMember({"fixed", "uniform", "exponential"}));
  app.add_option("--jitter-ms", o.jitter_ms, "Half-width of the uniform distribution");
  app.add_option("--inter-token-ms", o.inter_token_ms, "Between streamed events");
  app.add_option("--stream-chunks", o.stream_chunks, "Text events per streamed answer");
  app.add_option("--fault-rate", o.fault_rate, "Fraction of attempts that fail")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--faults", faults,
                 "Comma-separated: 429,500,529,reset,truncated,stall,error200,bad_event");
  app.add_option("--max-faults-per-body", o.max_faults_per_body,
                 "Failed attempts per body, at most");
  app.add_option("--retry-after", o.retry_after_s, "Retry-After seconds sent with 429s");
  app.add_option("--rate-limit", o.rate_limit_per_s,
                 "Requests per second accepted (sliding 1 s window); above it 429 (0: none)");
  app.add_option("--seed", o.seed, "Seed of faults and latencies");
  CLI11_PARSE(app, argc, argv);
  try {
    for (const auto& f : ys::split(faults, ',')) {
      if (!ys::trim(f).empty()) o.faults.push_back(ys::test::parse_fault(std::string(ys::trim(f))));
    }
    if (o.fault_rate > 0 && o.faults.empty()) o.faults = {ys::test::Fault::k500};
    ys::test::LoadServer server(o);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::printf("listening on %s\n", server.base_url().c_str());
    std::fflush(stdout);
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto s = server.stats();
    std::printf(
        "{\"requests\": %lld, \"answered\": %lld, \"faults\": %lld, \"connections\": %lld, "
        "\"max_in_flight\": %lld, \"rate_limited\": %lld, \"max_per_second\": %lld, "
        "\"serve_span_s\": %.6f}\n",
        static_cast<long long>(s.requests), static_cast<long long>(s.answered),
        static_cast<long long>(s.faults), static_cast<long long>(s.connections),
        static_cast<long long>(s.max_in_flight), static_cast<long long>(s.rate_limited),
        static_cast<long long>(s.max_per_second), s.serve_span_s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
