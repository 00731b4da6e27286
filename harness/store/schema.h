// The store's schema and its migrations (docs/ARCHITECTURE.md, "The store").
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

struct sqlite3;

namespace ys {

// PRAGMA user_version of a store this yardstick writes.
inline constexpr int kSchemaVersion = 6;

// SQL conditions on a row of the samples table, written `alias`.error_kind (bare
// error_kind when `alias` is empty). Scored: an answer, or a refusal (which scores 0);
// unscored: an error kept after its retries, which a resumed run or a merge replaces.
// Neither is ever NULL, so sum() of one counts rows.
std::string scored_sample(std::string_view alias = {});
std::string unscored_sample(std::string_view alias = {});

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
