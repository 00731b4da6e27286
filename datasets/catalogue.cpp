#include "datasets/catalogue.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <set>

#include "datasets/sha256.h"
#include "util/error.h"
#include "util/paths.h"

namespace ys {
namespace {

// Reads one YAML node of the catalogue, with errors "file:line: message".
class Reader {
 public:
  explicit Reader(std::filesystem::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    const int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    throw InputError(located(file_.string(), line, message));
  }

  void only_keys(const YAML::Node& node, const std::set<std::string>& allowed,
                 const std::string& what) const {
    if (!node.IsMap()) fail(node, what + " must be a mapping");
    for (const auto& kv : node) {
      const auto key = kv.first.as<std::string>();
      if (!allowed.count(key)) fail(kv.first, "unknown key '" + key + "' in " + what);
    }
  }

  std::string text(const YAML::Node& node, const std::string& key, const std::string& what,
                   bool required) const {
    const YAML::Node v = node[key];
    if (!v.IsDefined() || v.IsNull()) {
      if (required) fail(node, what + " needs '" + key + "'");
      return "";
    }
    if (!v.IsScalar()) fail(v, "'" + key + "' in " + what + " must be text");
    return v.as<std::string>();
  }

 private:
  std::filesystem::path file_;
};

bool is_sha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

CatalogueFile read_file_entry(const Reader& r, const YAML::Node& n, const std::string& what) {
  r.only_keys(n, {"path", "url", "sha256", "bytes", "unpack"}, what);
  CatalogueFile f;
  f.path = r.text(n, "path", what, true);
  f.url = r.text(n, "url", what, true);
  auto relative = [](const std::string& s) {
    const std::filesystem::path p(s);
    bool climbs = false;
    for (const auto& part : p) climbs = climbs || part == "..";
    return !p.is_absolute() && !climbs && !s.empty();
  };
  if (!relative(f.path)) {
    r.fail(n["path"], what + ": 'path' must be relative to a data root, without '..'");
  }
  f.unpack = r.text(n, "unpack", what, false);
  if (n["unpack"].IsDefined() && !relative(f.unpack)) {
    r.fail(n["unpack"],
           what + ": 'unpack' must be a folder relative to the archive's, without '..'");
  }
  if (f.url.rfind("https://", 0) != 0 && f.url.rfind("http://", 0) != 0) {
    r.fail(n["url"], what + ": 'url' must be an http(s) URL");
  }
  const std::string sha = r.text(n, "sha256", what, true);
  if (sha != "unknown") {
    if (!is_sha256(sha)) {
      r.fail(n["sha256"], what + ": 'sha256' must be 64 lowercase hex digits or \"unknown\"");
    }
    f.sha256 = sha;
  }
  if (n["bytes"].IsDefined()) {
    try {
      f.bytes = n["bytes"].as<uint64_t>();
    } catch (const YAML::Exception&) {
      r.fail(n["bytes"], what + ": 'bytes' must be a non-negative integer");
    }
  }
  return f;
}

}  // namespace

const CatalogueDataset* Catalogue::find(const std::string& name) const {
  for (const auto& d : datasets) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const CatalogueDataset* Catalogue::for_task(const std::string& task) const {
  for (const auto& d : datasets) {
    for (const auto& t : d.tasks) {
      if (t == task) return &d;
    }
  }
  return nullptr;
}

Catalogue load_catalogue(const std::filesystem::path& file) {
  Reader r(file);
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw InputError(file.string() + ": cannot read the dataset catalogue");
  } catch (const YAML::Exception& e) {
    throw InputError(located(file.string(), e.mark.line + 1, e.msg));
  }
  r.only_keys(root, {"datasets"}, "the catalogue");
  const YAML::Node list = root["datasets"];
  if (!list.IsMap() || list.size() == 0) r.fail(root, "'datasets' must be a non-empty mapping");
  Catalogue cat;
  cat.file = file;
  std::set<std::string> paths, tasks;
  for (const auto& kv : list) {
    CatalogueDataset d;
    d.name = kv.first.as<std::string>();
    const std::string what = "dataset '" + d.name + "'";
    const YAML::Node n = kv.second;
    r.only_keys(n, {"title", "source", "license", "format", "notes", "tasks", "fields", "files"},
                what);
    d.title = r.text(n, "title", what, true);
    d.source = r.text(n, "source", what, true);
    d.license = r.text(n, "license", what, true);
    d.format = r.text(n, "format", what, true);
    d.notes = r.text(n, "notes", what, false);
    if (n["tasks"].IsDefined()) {
      if (!n["tasks"].IsSequence()) r.fail(n["tasks"], what + ": 'tasks' must be a list");
      for (const auto& t : n["tasks"]) {
        d.tasks.push_back(t.as<std::string>());
        if (!tasks.insert(d.tasks.back()).second) {
          r.fail(t, "task '" + d.tasks.back() + "' is listed under two datasets");
        }
      }
    }
    if (n["fields"].IsDefined()) {
      if (!n["fields"].IsMap()) r.fail(n["fields"], what + ": 'fields' must be a mapping");
      for (const auto& f : n["fields"])
        d.fields[f.first.as<std::string>()] = f.second.as<std::string>();
    }
    const YAML::Node files = n["files"];
    if (!files.IsSequence() || files.size() == 0)
      r.fail(n, what + " needs a non-empty 'files' list");
    for (const auto& f : files) {
      d.files.push_back(read_file_entry(r, f, what));
      if (!paths.insert(d.files.back().path).second) {
        r.fail(f, "file '" + d.files.back().path + "' is listed twice");
      }
    }
    cat.datasets.push_back(std::move(d));
  }
  return cat;
}

std::optional<std::filesystem::path> default_catalogue_file() {
  std::error_code ec;
  if (const char* env = std::getenv("YARDSTICK_CATALOGUE"); env && *env)
    return std::filesystem::path(env);
  const auto installed = installed_share_dir() / "datasets.yaml";
  if (std::filesystem::is_regular_file(installed, ec)) return installed;
  if (auto src = source_tree_of_build()) {
    const auto in_tree = *src / "datasets" / "catalogue.yaml";
    if (std::filesystem::is_regular_file(in_tree, ec)) return in_tree;
  }
  return std::nullopt;
}

std::optional<std::filesystem::path> locate_file(const CatalogueFile& file,
                                                 const DataLocation& where) {
  std::error_code ec;
  for (const auto& root : where.roots) {
    const auto p = root / file.path;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  return std::nullopt;
}

FileStatus file_status(const CatalogueFile& file, const DataLocation& where) {
  FileStatus st;
  const auto p = locate_file(file, where);
  if (!p) return st;
  st.found = *p;
  st.sha256 = sha256_file_hex(*p);
  if (!file.sha256) {
    st.state = FileStatus::State::kUnverified;
  } else {
    st.state =
        st.sha256 == *file.sha256 ? FileStatus::State::kVerified : FileStatus::State::kMismatch;
  }
  return st;
}

std::string pull_command(const CatalogueDataset& d) {
  const bool unverified =
      std::any_of(d.files.begin(), d.files.end(), [](const CatalogueFile& f) { return !f.sha256; });
  return "yardstick data pull " + d.name + (unverified ? " --allow-unverified" : "");
}

std::optional<MissingData> missing_data(const Catalogue& cat, const std::string& task,
                                        const std::string& path, const DataLocation& where) {
  const CatalogueDataset* d = cat.for_task(task);
  if (!d) return std::nullopt;
  // Only a path in the dataset's own top folder (or an archive's folder) is the pull's to
  // fetch, e.g. not the few-shot file a task takes from yardstick's bundled data.
  auto top = [](const std::string& p) { return std::filesystem::path(p).begin()->string(); };
  bool ours = false;
  for (const auto& f : d->files) {
    ours = ours || top(f.path) == top(path) || (!f.unpack.empty() && top(f.unpack) == top(path));
  }
  if (!ours) return std::nullopt;
  const std::string pull = pull_command(*d);
  size_t present = 0;
  std::error_code ec;
  for (const auto& f : d->files) {
    const auto at = locate_file(f, where);
    if (!at) continue;
    ++present;
    if (f.unpack.empty()) continue;
    const std::filesystem::path folder = at->parent_path() / f.unpack;
    if (!std::filesystem::is_directory(folder, ec)) {
      return MissingData{f.path + " not unpacked: " + pull,
                         f.path + " is at " + at->string() + " but not unpacked: `" + pull +
                             "` unpacks it there (nothing is downloaded again)"};
    }
    return MissingData{"not in the unpacked " + f.path + ": " + pull,
                       at->string() + " is unpacked into " + folder.string() +
                           ", which lacks this file (not in the archive, or removed since); `" +
                           pull + "` unpacks the archive again"};
  }
  if (present == 0) {
    return MissingData{pull, "`" + pull + "` fetches it (" + d->title + "; `yardstick data ls " +
                                 d->name + "` shows its source, license and files)"};
  }
  const std::string missing = std::to_string(d->files.size() - present);
  return MissingData{pull, "`" + pull + "` fetches the " + missing + " missing of its " +
                               std::to_string(d->files.size()) + " files (" + d->title + ")"};
}

const char* state_name(FileStatus::State state) {
  switch (state) {
    case FileStatus::State::kVerified:
      return "present";
    case FileStatus::State::kMismatch:
      return "sha256 MISMATCH";
    case FileStatus::State::kUnverified:
      return "present (unverified)";
    case FileStatus::State::kMissing:
      break;
  }
  return "missing";
}

}  // namespace ys
