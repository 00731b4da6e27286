// The store's schema and its migrations (docs/ARCHITECTURE.md, "The store").
#pragma once

#include <filesystem>

struct sqlite3;

namespace ys {

// PRAGMA user_version of a store this yardstick writes.
inline constexpr int kSchemaVersion = 6;

// Opens a connection to the database at `path` (creating it and its folder when
// `create`), with a busy timeout. Throws StoreError naming the file.
sqlite3* open_connection(const std::filesystem::path& path, bool create);

// Puts the database of `db` in WAL mode and migrates it to kSchemaVersion, one transaction
// per version. Throws StoreError when it is not a yardstick store or was written by a newer
// yardstick (the message says which version).
void migrate_store(sqlite3* db);

// The schema version of `db`.
int schema_version(sqlite3* db);

// A connection to an existing store, migrated, closed when it goes; for the store's
// side tables (effective_context, run_usage). Throws StoreError as open_connection and
// migrate_store do.
class StoreConnection {
 public:
  explicit StoreConnection(const std::filesystem::path& path);
  ~StoreConnection();
  StoreConnection(const StoreConnection&) = delete;
  StoreConnection& operator=(const StoreConnection&) = delete;

  sqlite3* db;
};

}  // namespace ys
