// `yardstick data ls [NAME]` and `yardstick data pull NAME`: the dataset catalogue
// (datasets/catalogue.yaml, docs/DATASETS.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace ys {

struct DataArgs {
  std::string catalogue;  // a catalogue file instead of the default one
  std::string data;       // ls: a folder searched first (as `run --data`)
  std::string name;       // ls: one dataset's files; pull: the dataset to fetch
  std::string into;       // pull: the data root to write to (default: the user data cache)
  bool allow_unverified = false;
  int attempts = 3;
  CLI::App* ls = nullptr;
  CLI::App* pull = nullptr;
};

CLI::App* add_data_command(CLI::App& app, DataArgs& args);

// ls: one row per dataset (files present of all, verified or not, where, the tasks that
// read it, what `data pull` would do), or with a NAME one row per file with its full
// sha256. pull: pull_dataset (datasets/pull.h) into `into`, one line per file on stderr.
// Returns 0; 1 when a download failed (DownloadError) or, for ls, a present file's sha256
// differs from the catalogue's; 2 on bad input (unknown dataset, unreadable catalogue).
int run_data_command(const DataArgs& args);

}  // namespace ys
