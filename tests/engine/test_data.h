// Locating the shared test data (../shared beside the checkout) from engine tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace ys::engine::test {

// Absolute path of `relative` under the shared data directory, or "" when it is missing.
inline std::string shared_file(const std::string& relative) {
  std::filesystem::path p = std::filesystem::path(YS_SHARED_DIR) / relative;
  return std::filesystem::exists(p) ? p.string() : std::string();
}

// True under CI (env CI=true), where missing shared data is a failure, not a skip.
inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

}  // namespace ys::engine::test

// Declares `var` as the path of shared file `relative`; fails the test under CI and skips
// it elsewhere when the file is missing.
#define YS_SHARED_FILE(var, relative)                                              \
  const std::string var = ::ys::engine::test::shared_file(relative);               \
  if (var.empty()) {                                                               \
    if (::ys::engine::test::in_ci()) FAIL() << "missing shared data " << relative; \
    GTEST_SKIP() << "shared data " << relative << " not present";                  \
  }
