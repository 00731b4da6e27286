#include "harness/commands/data.h"

#include <cstdio>
#include <iostream>
#include <iterator>

#include "datasets/catalogue.h"
#include "datasets/pull.h"
#include "harness/cli.h"
#include "harness/cli_checks.h"
#include "reports/table.h"
#include "util/error.h"
#include "util/paths.h"

namespace ys {
namespace {

Catalogue load(const DataArgs& a) {
  if (!a.catalogue.empty()) return load_catalogue(a.catalogue);
  auto file = default_catalogue_file();
  if (!file) {
    throw InputError(
        "no dataset catalogue found (PREFIX/share/yardstick/datasets.yaml, or "
        "datasets/catalogue.yaml of a build's source tree); pass --catalogue FILE");
  }
  return load_catalogue(*file);
}

// The roots `data ls` looks in: --data first, then the task search order.
DataLocation roots_of(const std::string& data_flag) {
  DataLocation where = default_data_location("");
  if (!data_flag.empty()) where.roots.insert(where.roots.begin(), data_flag);
  return where;
}

std::string join(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs) out += (out.empty() ? "" : ",") + x;
  return out;
}

int list_one(const CatalogueDataset& d, const DataLocation& where) {
  std::vector<std::vector<std::string>> rows = {{"file", "state", "sha256", "where"}};
  bool mismatch = false;
  for (const auto& f : d.files) {
    const FileStatus st = file_status(f, where);
    mismatch = mismatch || st.state == FileStatus::State::kMismatch;
    std::string sha = st.sha256.empty() ? (f.sha256 ? *f.sha256 : "unknown") : st.sha256;
    if (st.state == FileStatus::State::kMismatch) sha += " (catalogue: " + *f.sha256 + ")";
    rows.push_back(
        {f.path, state_name(st.state), sha, st.found.empty() ? f.url : st.found.string()});
  }
  std::cout << d.title << " (" << d.name << "): " << d.source << "\nlicense: " << d.license
            << "\nformat: " << d.format << "\ntasks: " << join(d.tasks) << "\n";
  if (!d.notes.empty()) std::cout << "notes: " << d.notes << "\n";
  for (const auto& [field, meaning] : d.fields)
    std::cout << "  field " << field << ": " << meaning << "\n";
  std::cout << "\n" << render_columns(rows);
  return mismatch ? kExitRunFailed : kExitOk;
}

int list_all(const Catalogue& cat, const DataLocation& where) {
  std::vector<std::vector<std::string>> rows = {{"dataset", "files", "state", "where", "tasks"}};
  bool mismatch = false;
  for (const auto& d : cat.datasets) {
    size_t present = 0, verified = 0, bad = 0;
    std::string found;
    for (const auto& f : d.files) {
      const FileStatus st = file_status(f, where);
      if (st.state == FileStatus::State::kMissing) continue;
      ++present;
      verified += st.state == FileStatus::State::kVerified;
      bad += st.state == FileStatus::State::kMismatch;
      if (found.empty()) {  // the dataset's top folder there, e.g. .../mmlu
        std::filesystem::path top = st.found;
        const std::filesystem::path rel = f.path;
        for (auto it = std::next(rel.begin()); it != rel.end(); ++it) top = top.parent_path();
        found = top.string();
      }
    }
    std::string state;
    if (bad > 0) {
      state = std::to_string(bad) + " sha256 MISMATCH (yardstick data ls " + d.name + ")";
      mismatch = true;
    } else if (present == d.files.size()) {
      state = verified == present
                  ? "present, sha256 verified"
                  : "present, " + std::to_string(present - verified) + " unverified";
    } else {
      state = (present ? std::to_string(d.files.size() - present) + " missing" : "missing") + ": " +
              pull_command(d);
    }
    rows.push_back({d.name, std::to_string(present) + "/" + std::to_string(d.files.size()), state,
                    found.empty() ? "-" : found, join(d.tasks)});
  }
  std::cout << render_columns(rows);
  std::string looked;
  for (const auto& r : where.roots) looked += "\n  " + r.string();
  std::cout << "\ncatalogue: " << cat.file.string() << "\nlooked in, in order:" << looked << "\n";
  return mismatch ? kExitRunFailed : kExitOk;
}

int pull(const Catalogue& cat, const DataArgs& a) {
  const CatalogueDataset* d = cat.find(a.name);
  if (!d) {
    std::string names;
    for (const auto& x : cat.datasets) names += (names.empty() ? "" : ", ") + x.name;
    throw InputError("no dataset '" + a.name + "' in " + cat.file.string() + " (known: " + names +
                     ")");
  }
  PullOptions o;
  if (!a.into.empty()) {
    o.into = a.into;
  } else if (auto cache = user_cache_dir()) {
    o.into = *cache / "data";
  } else {
    throw InputError("no user cache folder ($XDG_CACHE_HOME and $HOME unset): pass --into DIR");
  }
  o.allow_unverified = a.allow_unverified;
  o.attempts = a.attempts;
  o.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  try {
    auto files = pull_dataset(*d, o);
    size_t fetched = 0;
    for (const auto& f : files) fetched += f.downloaded;
    std::fprintf(stderr, "%s: %zu of %zu files downloaded into %s\n", d->name.c_str(), fetched,
                 files.size(), o.into.c_str());
  } catch (const DownloadError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitRunFailed;
  }
  return kExitOk;
}

}  // namespace

CLI::App* add_data_command(CLI::App& app, DataArgs& a) {
  auto* cmd = app.add_subcommand(
      "data", "The dataset catalogue: what is present, and fetching a dataset you name");
  cmd->require_subcommand(1);
  cmd->add_option("--catalogue", a.catalogue, "A catalogue file instead of the default one");
  a.ls = cmd->add_subcommand("ls", "List the catalogue's datasets: present, verified, where");
  a.ls->add_option("name", a.name, "One dataset: its files, each with its sha256");
  a.ls->add_option("--data", a.data, "A folder searched first (as `run --data`)");
  a.pull = cmd->add_subcommand(
      "pull",
      "Download a dataset into the user data cache (the only command that downloads data; "
      "from the catalogue's URLs for NAME only)");
  a.pull->add_option("name", a.name, "The dataset, as `data ls` names it")->required();
  // `data pull NAME --catalogue F` as well as `data --catalogue F pull NAME`.
  a.ls->fallthrough();
  a.pull->fallthrough();
  a.pull->add_option("--into", a.into,
                     "The data root to write to (default: ~/.cache/yardstick/data)");
  a.pull->add_flag("--allow-unverified", a.allow_unverified,
                   "Accept files the catalogue has no sha256 for (their sha256 is printed)");
  a.pull->add_option("--attempts", a.attempts, "Transfers per file; later ones resume")
      ->check(kPositive);
  return cmd;
}

int run_data_command(const DataArgs& a) {
  const Catalogue cat = load(a);
  if (a.pull && a.pull->parsed()) return pull(cat, a);
  const DataLocation where = roots_of(a.data);
  if (a.name.empty()) return list_all(cat, where);
  const CatalogueDataset* d = cat.find(a.name);
  if (!d) throw InputError("no dataset '" + a.name + "' in " + cat.file.string());
  return list_one(*d, where);
}

}  // namespace ys
