// Thin RAII helpers over the SQLite C API, for the store.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ys {

// The store cannot be opened, migrated, read or written.
class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& message) : std::runtime_error(message) {}
};

// Executes SQL without results; throws StoreError with SQLite's message.
void exec_sql(sqlite3* db, const char* sql);

// A prepared statement. Binding is 1-based like SQLite; columns are 0-based.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& value);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);
  Statement& bind_null(int index);
  // Binds the value or NULL.
  Statement& bind(int index, const std::optional<std::string>& value);

  // Advances; true while a row is available. Throws StoreError on failure.
  bool step();
  // Runs to completion (for statements without rows), then resets for reuse.
  void run();
  void reset();

  std::string text(int column) const;
  // The column's text without a copy, valid until the next step or reset; empty for NULL.
  std::string_view view(int column) const;
  int64_t integer(int column) const;
  double real(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Runs `body` in one write transaction of `db` (BEGIN IMMEDIATE: the write lock is taken
// up front, so a concurrent writer waits on the busy timeout instead of failing mid-way).
// Commits when `body` returns; rolls back and rethrows when it throws. Throws StoreError
// when the transaction cannot begin or commit.
template <typename Body>
void in_transaction(sqlite3* db, Body&& body) {
  exec_sql(db, "BEGIN IMMEDIATE");
  try {
    body();
    exec_sql(db, "COMMIT");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace ys
