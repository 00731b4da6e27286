// Inside the store module: reading a row of the runs table, for both sides.
#pragma once

#include "harness/store/records.h"
#include "harness/store/sqlite.h"

namespace ys {

// The columns read_run reads, in order.
extern const char* const kRunColumns;

// The RunRecord of the current row of `s`, which selected kRunColumns.
RunRecord read_run(const Statement& s);

}  // namespace ys
