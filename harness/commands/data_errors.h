// The error convention of the commands that read a store (compare, gate, tag, export, show).
#pragma once

#include <cstdio>

#include "harness/store/sqlite.h"
#include "util/error.h"

namespace ys {

// Runs `body` (returning an exit code). A bad input (InputError) or an unreadable store
// (StoreError) prints one "error: ..." line and gives 2, the usage-or-data-error code, so
// that 1 stays free for a command's own verdict (a gate's regression; docs/CI.md).
template <typename Body>
int with_data_errors(Body&& body) {
  try {
    return body();
  } catch (const InputError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  } catch (const StoreError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  }
  return 2;
}

}  // namespace ys
