#include "runners/engine/commands.h"

#include <cstdio>
#include <sstream>

#include "runners/engine/batch/local_runner.h"
#include "runners/engine/device.h"
#include "runners/engine/graph/model.h"
#include "util/error.h"

namespace ys::engine {
namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

std::string value_text(const GgufValue& v) {
  switch (v.type) {
    case GgufType::kString: {
      const std::string& s = v.as_string();
      std::string shown = s.size() > 80 ? s.substr(0, 77) + "..." : s;
      for (char& ch : shown) {
        if (ch == '\n') ch = ' ';
      }
      return "\"" + shown + "\"";
    }
    case GgufType::kArray: {
      const GgufArray& a = v.as_array();
      std::string s = "[";
      for (size_t i = 0; i < a.items.size() && i < 5; ++i) {
        s += (i ? ", " : "") + value_text(a.items[i]);
      }
      if (a.items.size() > 5) s += ", ... (" + std::to_string(a.items.size()) + " items)";
      return s + "]";
    }
    case GgufType::kBool:
      return v.as_bool() ? "true" : "false";
    case GgufType::kFloat32:
    case GgufType::kFloat64:
      return format("%g", v.as_float());
    default:
      return std::holds_alternative<uint64_t>(v.value) ? std::to_string(std::get<uint64_t>(v.value))
                                                       : std::to_string(v.as_int());
  }
}

std::string mib(double bytes) {
  return format("%.1f MiB", bytes / (1 << 20));
}

// The GPU bench (bench_device) as a line and a Markdown table.
std::string device_table(const Model& m, Backend& be, const BenchOptions& o) {
  DeviceBenchResult r = bench_device(m, be, o);
  const double bound = r.bandwidth / static_cast<double>(r.weight_bytes);
  std::ostringstream out;
  out << "device: " << r.device << "; weights " << mib(static_cast<double>(r.weight_bytes))
      << " read per token; copy bandwidth " << format("%.0f", r.bandwidth / 1e9)
      << " GB/s; batch-1 decode roofline " << format("%.1f", bound) << " tok/s\n\n"
      << "| measure | tok/s | batch-1 roofline |\n| --- | --- | --- |\n"
      << "| prompt (" << o.prompt_tokens << " tokens, one pass) | "
      << format("%.0f", r.prompt_tokens_per_s) << " | |\n";
  for (const auto& [b, tps] : r.decode_tokens_per_s) {
    out << "| decode, batch " << b << " | " << format("%.1f", tps) << " | "
        << (b == 1 ? format("%.0f%%", 100.0 * tps / bound) : std::string()) << " |\n";
  }
  return out.str();
}

}  // namespace

std::string model_info(const std::string& path, int n_ctx) {
  std::ostringstream out;
  {
    GgufFile f(path);
    out << path << ": GGUF v" << f.version() << ", " << f.metadata().size() << " keys, "
        << f.tensors().size() << " tensors, alignment " << f.alignment() << "\n\nmetadata:\n";
    for (const auto& [key, value] : f.metadata())
      out << "  " << key << " = " << value_text(value) << "\n";
    out << "\ntensors:\n";
    int64_t params = 0;
    size_t bytes = 0;
    for (const GgufTensor& t : f.tensors()) {
      std::string shape;
      for (size_t i = 0; i < t.ne.size(); ++i) shape += (i ? " x " : "") + std::to_string(t.ne[i]);
      out << "  " << t.name << "  " << type_name(t.type) << "  [" << shape << "]  " << t.n_bytes
          << " bytes\n";
      params += t.n_elements();
      bytes += t.n_bytes;
    }
    out << "\nparameters: " << params << " (" << mib(static_cast<double>(bytes))
        << " of tensor data)\n";
    if (!f.find("general.architecture") || f.tensors().empty()) return out.str();
  }
  std::unique_ptr<Model> m = Model::load(path);
  const ModelConfig& c = m->config();
  int ctx = n_ctx > 0 ? n_ctx : c.n_ctx_train;
  double kv = 2.0 * c.n_layers * ctx * c.n_kv_heads * c.head_dim * sizeof(float);
  out << "model: " << c.arch << ", " << c.n_layers << " layers, dim " << c.dim << ", heads "
      << c.n_heads << "/" << c.n_kv_heads << " (q/kv), head size " << c.head_dim << ", ffn "
      << c.ffn_dim << ", vocabulary " << c.n_vocab << ", rope base " << c.rope_base
      << (c.rope_neox ? " (neox)" : "") << ", training context " << c.n_ctx_train << "\n";
  out << "memory: weights " << mib(static_cast<double>(m->weight_bytes()))
      << " read per token, KV cache " << mib(kv) << " for " << ctx << " positions\n";
  return out.str();
}

std::string generate_text(const std::string& path, const GenerateOptions& o) {
  LocalRunnerOptions ro;
  ro.path = path;
  ro.threads = o.threads;
  ro.n_ctx = o.n_ctx;
  ro.batch = 1;
  ro.seed = o.sampling.seed;
  ro.device = o.device;
  LocalRunner runner(ro);
  if (o.chat && runner.config()["chat_template"] == "none") {
    throw InputError(path + ": --chat given but the model has no chat template");
  }
  Request r;
  r.messages = {{"user", o.prompt}};
  r.sampling.temperature = o.sampling.temperature;
  r.sampling.max_tokens = o.max_tokens;
  if (o.sampling.top_k > 0) r.sampling.top_k = o.sampling.top_k;
  if (o.sampling.top_p < 1) r.sampling.top_p = o.sampling.top_p;
  r.sampling.seed = o.sampling.seed;
  Completion c = runner.answer(r);
  if (!c.ok()) throw InputError(c.error_message);
  return c.text;
}

std::string bench_table(const std::string& path, const std::vector<int>& threads,
                        const BenchOptions& options) {
  std::unique_ptr<Model> m = Model::load(path);
  std::ostringstream out;
  if (options.device != "cpu") {
    ThreadPool pool(threads.empty() ? 1 : threads.front());
    std::string note;
    std::unique_ptr<Backend> be = make_backend(parse_device(options.device), *m, pool, &note);
    if (!note.empty()) out << "note: " << note << "\n\n";
    if (be->name() != "cpu") return out.str() + device_table(*m, *be, options);
  }
  out << "| threads | prompt tok/s | gen tok/s | weights MiB/token | bandwidth GB/s | gen bound "
         "tok/s |\n| --- | --- | --- | --- | --- | --- |\n";
  for (int t : threads) {
    BenchOptions o = options;
    o.threads = t;
    BenchResult r = bench_model(*m, o);
    double bw = measure_read_bandwidth(t);
    out << "| " << t << " | " << format("%.1f", r.prompt_tokens_per_s) << " | "
        << format("%.1f", r.gen_tokens_per_s) << " | "
        << format("%.1f", static_cast<double>(r.weight_bytes) / (1 << 20)) << " | "
        << format("%.1f", bw / 1e9) << " | "
        << format("%.0f", bw / static_cast<double>(r.weight_bytes)) << " |\n";
  }
  return out.str();
}

}  // namespace ys::engine
