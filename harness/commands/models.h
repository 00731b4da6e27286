// `yardstick models`: the model registry's aliases and providers (docs/MODELS.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace ys {

struct ModelsArgs {
  std::string file;  // an extra registry file read after the default ones
};

CLI::App* add_models_command(CLI::App& app, ModelsArgs& args);

// Prints the aliases (provider, model id, base URL, key variable and whether it is set,
// accepted parameters, context, prices) and then the providers. Returns the exit status.
int run_models_command(const ModelsArgs& args);

}  // namespace ys
