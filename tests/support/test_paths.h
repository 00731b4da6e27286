// Paths the tests use: the shared data folder, the yardstick binary, scratch folders.
#pragma once

#include <filesystem>
#include <string>

namespace ys::test {

// ../shared beside the checkout. When it is missing, the calling test is skipped, or fails
// under CI (CI=true), where the data must be present.
std::filesystem::path shared_dir();

// Calls GTEST_SKIP or FAIL (under CI) when `path` does not exist; true when it exists.
bool require_shared(const std::filesystem::path& path);

// The built yardstick executable.
std::filesystem::path yardstick_bin();

// A fresh empty folder for one test, removed when the object dies.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The first column of the first row of `sql` on the SQLite database at `path`, read-only;
// -1 when there is no row or the query fails.
double query_number(const std::filesystem::path& path, const std::string& sql);

// Writes `text` to `path`.
void write_file(const std::filesystem::path& path, const std::string& text);

}  // namespace ys::test
