#include "harness/commands/models.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "harness/cli.h"
#include "reports/table.h"
#include "runners/registry.h"

namespace ys {
namespace {

std::string money(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// "NAME (set)" or "NAME (not set)": whether the variable holds a key; never its value.
std::string key_state(const std::string& name) {
  if (name.empty()) return "-";
  const char* v = std::getenv(name.c_str());
  return name + (v && *v ? " (set)" : " (not set)");
}

// When and whether a model's prices were checked: "DATE" when the provider's page
// confirmed them, "unconfirmed" (with the date) when not, "-" without a price or a date.
std::string price_checked(const ModelEntry& m) {
  const PriceSource& s = m.price_source;
  if (!m.price) return "-";
  if (!s.confirmed) return s.read.empty() ? "unconfirmed" : "unconfirmed " + s.read;
  return s.read.empty() ? "-" : s.read;
}

}  // namespace

CLI::App* add_models_command(CLI::App& app, ModelsArgs& args) {
  auto* cmd =
      app.add_subcommand("models",
                         "List model aliases and providers (models.yaml; use with --model ALIAS or "
                         "--model PROVIDER:ID)");
  cmd->add_option("--file", args.file, "Another registry file, read after the default ones");
  return cmd;
}

int run_models_command(const ModelsArgs& args) {
  auto files = ModelRegistry::default_files();
  if (!args.file.empty()) files.emplace_back(args.file);
  ModelRegistry registry = ModelRegistry::load(files);
  std::vector<std::vector<std::string>> rows = {{"alias", "provider", "model id", "base url", "key",
                                                 "accepts", "context", "$/M in", "$/M cached",
                                                 "$/M out", "price checked"}};
  for (const auto& [alias, m] : registry.models()) {
    const ProviderEntry& p = *registry.provider(m.provider);
    std::string accepts = "-";
    if (m.accepts) {
      accepts.clear();
      for (const auto& a : *m.accepts) accepts += (accepts.empty() ? "" : ",") + a;
    }
    rows.push_back({alias, m.provider, m.id, m.base_urls.empty() ? p.base_url : m.base_urls[0],
                    key_state(m.key_env.empty() ? p.key_env : m.key_env), accepts,
                    m.limits.context ? std::to_string(m.limits.context) : "-",
                    m.price ? money(m.price->input) : "-",
                    m.price ? money(m.price->cached_input) : "-",
                    m.price ? money(m.price->output) : "-", price_checked(m)});
  }
  std::cout << render_columns(rows);
  if (std::any_of(registry.models().begin(), registry.models().end(), [](const auto& kv) {
        return kv.second.price && !kv.second.price_source.confirmed;
      })) {
    std::cout << "unconfirmed: the provider's own page did not confirm these prices when "
                 "they were checked (docs/MODELS.md); costs from them are estimates\n";
  }
  std::cout << "\n";
  std::vector<std::vector<std::string>> providers = {{"provider", "api", "base url", "key"}};
  for (const auto& [name, p] : registry.providers()) {
    providers.push_back({name + ":", p.api, p.base_url,
                         key_state(p.key_env) + (p.key_required ? "" : ", optional")});
  }
  std::cout << render_columns(providers);
  std::cout << "\nFiles read:";
  for (const auto& f : files) std::cout << " " << f.string();
  std::cout << "\n";
  return kExitOk;
}

}  // namespace ys
