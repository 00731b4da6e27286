#include "harness/store/merge.h"

#include <sqlite3.h>

#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "harness/store/reader.h"
#include "harness/store/run_rows.h"
#include "harness/store/run_usage.h"
#include "harness/store/schema.h"
#include "harness/store/sqlite.h"
#include "util/hash.h"
#include "util/strings.h"

namespace ys {
namespace {

// One run of one input store.
struct Piece {
  std::filesystem::path file;
  RunRecord run;
  std::string base_fingerprint;  // the fingerprint of the run unsharded
};

std::string describe(const Piece& p) {
  return p.file.string() + " (run " + std::to_string(p.run.id) +
         (p.run.shard.empty() ? "" : ", shard " + p.run.shard) + ")";
}

// The fingerprint the run would have unsharded: the hash of its parts (evaluation.cpp's
// run_fingerprint); runs stored before schema 5 have no parts and were never sharded.
std::string base_fingerprint(const RunRecord& run) {
  if (run.fingerprint_parts.is_object()) return hash_hex(run.fingerprint_parts.dump());
  return run.fingerprint;
}

// A fingerprint field as a person reads it: a field never given (JSON null, e.g. no
// --seed) is "unset".
std::string shown(const nlohmann::json& j) {
  if (j.is_null()) return "unset";
  return j.is_string() ? j.get<std::string>() : j.dump();
}

// The first field in which `a` and `b` differ, as "field (A vs B)"; nothing when they are
// pieces of the same run.
std::optional<std::string> difference(const Piece& a, const Piece& b) {
  auto differ = [](const std::string& field, const std::string& x, const std::string& y) {
    return field + " (" + x + " vs " + y + ")";
  };
  const RunRecord &x = a.run, &y = b.run;
  if (x.yardstick_version != y.yardstick_version)
    return differ("yardstick version", x.yardstick_version, y.yardstick_version);
  const nlohmann::json &px = x.fingerprint_parts, &py = y.fingerprint_parts;
  if (px.is_object() && py.is_object()) {
    for (const auto& [key, field] :
         {std::pair{"limit", "sample limit"}, std::pair{"repeats", "repeats"},
          std::pair{"seed", "seed"}, std::pair{"runner", "model (runner identity)"}}) {
      if (px.value(key, nlohmann::json()) != py.value(key, nlohmann::json()))
        return differ(field, shown(px.value(key, nlohmann::json())),
                      shown(py.value(key, nlohmann::json())));
    }
    const nlohmann::json tx = px.value("tasks", nlohmann::json::array()),
                         ty = py.value("tasks", nlohmann::json::array());
    if (x.tasks != y.tasks || tx.size() != ty.size())
      return differ("tasks", nlohmann::json(x.tasks).dump(), nlohmann::json(y.tasks).dump());
    for (size_t i = 0; i < tx.size(); ++i) {
      const std::string name = tx[i].value("name", "");
      if (tx[i].value("spec", "") != ty[i].value("spec", ""))
        return differ("task " + name + "'s spec, sampling or overrides (content hash)",
                      tx[i].value("spec", ""), ty[i].value("spec", ""));
      if (tx[i].value("data", "") != ty[i].value("data", ""))
        return differ("task " + name + "'s data (hash)", tx[i].value("data", ""),
                      ty[i].value("data", ""));
    }
  } else {  // a run stored before schema 5: only the columns and the whole fingerprint
    if (x.model != y.model) return differ("model", x.model, y.model);
    if (x.tasks != y.tasks)
      return differ("tasks", nlohmann::json(x.tasks).dump(), nlohmann::json(y.tasks).dump());
    if (x.sample_limit != y.sample_limit)
      return differ("sample limit", std::to_string(x.sample_limit), std::to_string(y.sample_limit));
    if (x.repeats != y.repeats)
      return differ("repeats", std::to_string(x.repeats), std::to_string(y.repeats));
    if (x.seed != y.seed)
      return differ("seed", x.seed ? std::to_string(*x.seed) : "unset",
                    y.seed ? std::to_string(*y.seed) : "unset");
  }
  if (a.base_fingerprint != b.base_fingerprint)
    return differ("fingerprint (runner, task specs or data)", a.base_fingerprint,
                  b.base_fingerprint);
  return std::nullopt;
}

std::vector<Piece> read_pieces(const std::vector<std::filesystem::path>& inputs,
                               const std::filesystem::path& into) {
  std::vector<Piece> pieces;
  std::error_code ec;
  for (const auto& file : inputs) {
    if (std::filesystem::exists(into, ec) && std::filesystem::equivalent(file, into, ec))
      throw StoreError(file.string() + ": is the store merged into; give it only as --into");
    StoreReader reader(file);  // migrates an older store
    auto runs = reader.runs();
    if (runs.empty()) throw StoreError(file.string() + ": holds no run to merge");
    for (auto& run : runs) {
      std::string base = base_fingerprint(run);
      pieces.push_back({file, std::move(run), std::move(base)});
    }
  }
  return pieces;
}

// The coverage entry of a piece: where it came from, its shard and status.
nlohmann::json entry(const std::filesystem::path& file, const RunRecord& run) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(file, ec);
  return {{"file", (ec ? file : absolute).lexically_normal().string()},
          {"run_id", run.id},
          {"shard", run.shard},
          {"status", run.status}};
}

// Adds `e` to `entries`, replacing an entry of the same file and run (a piece merged
// again after it was resumed).
void add_entry(nlohmann::json& entries, const nlohmann::json& e) {
  for (auto& old : entries) {
    if (old["file"] == e["file"] && old["run_id"] == e["run_id"]) {
      old = e;
      return;
    }
  }
  entries.push_back(e);
}

// Shards with a completed piece, and whether they cover the run: one completed unsharded
// piece, or completed pieces 0..N-1 of some N.
std::pair<bool, std::vector<std::string>> coverage(const nlohmann::json& entries) {
  std::map<int, std::set<int>> done;  // N -> i
  bool whole = false;
  std::vector<std::string> covered;
  for (const auto& e : entries) {
    if (e.value("status", "") != "completed") continue;
    const std::string shard = e.value("shard", "");
    if (shard.empty()) {
      whole = true;
      covered.push_back("all");
      continue;
    }
    const auto slash = shard.find('/');
    if (slash == std::string::npos) continue;
    const int i = std::stoi(shard.substr(0, slash)), n = std::stoi(shard.substr(slash + 1));
    if (done[n].insert(i).second) covered.push_back(shard);
  }
  for (const auto& [n, is] : done) whole = whole || static_cast<int>(is.size()) == n;
  return {whole, covered};
}

int64_t count(sqlite3* db, const std::string& sql, int64_t run_id) {
  Statement s(db, sql.c_str());
  s.bind(1, run_id);
  s.step();
  return s.integer(0);
}

// Copies the samples, scores, metrics and cached responses of run `from` of the attached
// store `src` into run `to`. Adds the piece's (task, sample, repeat) keys to `offered` and
// its rows to `rows`; counts the stored errors it replaced in out.replaced.
void merge_piece(sqlite3* db, int64_t from, int64_t to, MergeOutcome& out,
                 std::set<std::tuple<std::string, std::string, int64_t>>& offered, size_t& rows) {
  {
    Statement keys(db, "SELECT task, sample_id, repeat FROM src.samples WHERE run_id=?1");
    keys.bind(1, from);
    while (keys.step()) {
      offered.emplace(keys.text(0), keys.text(1), keys.integer(2));
      ++rows;
    }
  }
  const std::string same_key = "t.task=s.task AND t.sample_id=s.sample_id AND t.repeat=s.repeat";
  // Stored errors that the piece answered: dropped, then copied like new samples.
  const std::string replaceable = "SELECT t.id FROM main.samples t JOIN src.samples s ON " +
                                  same_key + " WHERE t.run_id=?1 AND s.run_id=?2 AND " +
                                  unscored_sample("t") + " AND " + scored_sample("s");
  size_t replaced = 0;
  {
    Statement scores(db,
                     ("DELETE FROM main.scores WHERE sample_row IN (" + replaceable + ")").c_str());
    scores.bind(1, to).bind(2, from).run();
    Statement samples(db, ("DELETE FROM main.samples WHERE id IN (" + replaceable + ")").c_str());
    samples.bind(1, to).bind(2, from).run();
    replaced = static_cast<size_t>(sqlite3_changes(db));
  }
  Statement last(db, "SELECT coalesce(max(id), 0) FROM main.samples");
  last.step();
  const int64_t last_row = last.integer(0);
  Statement copy(db, ("INSERT INTO main.samples(run_id, task, sample_id, repeat, cache_key, "
                      "request, response, reference, extracted, scores, prompt_tokens, "
                      "completion_tokens, latency_s, error_kind, error, written_at) "
                      "SELECT ?1, task, sample_id, repeat, cache_key, request, response, "
                      "reference, extracted, scores, prompt_tokens, completion_tokens, "
                      "latency_s, error_kind, error, written_at FROM src.samples s "
                      "WHERE s.run_id=?2 AND NOT EXISTS (SELECT 1 FROM main.samples t WHERE "
                      "t.run_id=?1 AND " +
                      same_key + ") ORDER BY s.id")
                         .c_str());
  copy.bind(1, to).bind(2, from).run();
  out.replaced += replaced;  // each key at most once: once replaced, the target's is scored
  Statement scores(db, ("INSERT INTO main.scores(sample_row, run_id, task, metric, value) "
                        "SELECT t.id, ?1, t.task, sc.metric, sc.value FROM src.scores sc "
                        "JOIN src.samples s ON sc.sample_row=s.id JOIN main.samples t ON "
                        "t.run_id=?1 AND " +
                        same_key + " WHERE s.run_id=?2 AND t.id>?3")
                           .c_str());
  scores.bind(1, to).bind(2, from).bind(3, last_row).run();
  Statement metrics(db,
                    "INSERT OR IGNORE INTO main.metrics(run_id, task, metric, aggregation, "
                    "position) SELECT ?1, task, metric, aggregation, position FROM "
                    "src.metrics WHERE run_id=?2");
  metrics.bind(1, to).bind(2, from).run();
  Statement cache(db,
                  "INSERT OR IGNORE INTO main.responses SELECT * FROM src.responses WHERE "
                  "cache_key IN (SELECT cache_key FROM src.samples WHERE run_id=?1)");
  cache.bind(1, from).run();
}

// The run of `db` with `model`'s base fingerprint, created from `model` when there is none.
// Throws MergeConflict when the existing run differs from `model` (difference()).
std::pair<RunRecord, bool> target_run(sqlite3* db, const Piece& model, const std::string& command,
                                      const std::filesystem::path& into) {
  const std::string find = std::string("SELECT ") + kRunColumns +
                           " FROM runs WHERE fingerprint=? ORDER BY id DESC LIMIT 1";
  Statement s(db, find.c_str());
  s.bind(1, model.base_fingerprint);
  if (s.step()) {
    RunRecord run = read_run(s);
    // The fingerprint holds no yardstick version: compare the rest like any piece.
    const Piece existing{into, run, base_fingerprint(run)};
    if (auto field = difference(model, existing)) {
      throw MergeConflict("cannot merge " + describe(model) + " into " + describe(existing) +
                          ": they are not pieces of one run; they differ in " + *field);
    }
    if (!run.merged_from.is_array()) {  // a run of `into` itself counts as a piece
      run.merged_from = nlohmann::json::array();
      add_entry(run.merged_from, entry(into, run));
    }
    return {run, false};
  }
  RunRecord run = model.run;
  Statement insert(db,
                   "INSERT INTO runs(fingerprint, model, runner_config, tasks, seed, repeats, "
                   "sample_limit, yardstick_version, git_describe, started_at, status, "
                   "command, fingerprint_parts) VALUES(?,?,?,?,?,?,?,?,?,?,'running',?,?)");
  insert.bind(1, model.base_fingerprint).bind(2, run.model).bind(3, run.runner_config.dump());
  insert.bind(4, nlohmann::json(run.tasks).dump());
  if (run.seed) {
    insert.bind(5, static_cast<int64_t>(*run.seed));
  } else {
    insert.bind_null(5);
  }
  insert.bind(6, int64_t{run.repeats}).bind(7, int64_t{run.sample_limit});
  insert.bind(8, run.yardstick_version).bind(9, run.git_describe).bind(10, run.started_at);
  insert.bind(11, command);
  if (run.fingerprint_parts.is_object()) {
    insert.bind(12, run.fingerprint_parts.dump());
  } else {
    insert.bind_null(12);
  }
  insert.run();
  run.id = sqlite3_last_insert_rowid(db);
  run.shard.clear();
  run.merged_from = nlohmann::json::array();
  return {run, true};
}

}  // namespace

MergeOutcome merge_stores(const std::vector<std::filesystem::path>& inputs,
                          const std::filesystem::path& into, const std::string& command) {
  // A store named twice (or under two paths) is one store: read once.
  std::vector<std::filesystem::path> files;
  MergeOutcome out;
  for (const auto& file : inputs) {
    bool seen = false;
    for (const auto& f : files) {
      std::error_code ec;
      seen = seen || f == file || std::filesystem::equivalent(f, file, ec);
    }
    if (seen) {
      out.repeated.push_back(file.string());
    } else {
      files.push_back(file);
    }
  }
  std::vector<Piece> pieces = read_pieces(files, into);
  for (size_t i = 1; i < pieces.size(); ++i) {
    if (auto field = difference(pieces[0], pieces[i])) {
      throw MergeConflict("cannot merge " + describe(pieces[0]) + " with " + describe(pieces[i]) +
                          ": they are not pieces of one run; they differ "
                          "in " +
                          *field);
    }
  }

  out.files = files.size();
  out.pieces = pieces.size();
  sqlite3* db = open_connection(into, true);
  try {
    migrate_store(db);
    exec_sql(db, "PRAGMA foreign_keys=ON;");
    RunRecord target;
    in_transaction(db, [&] {
      auto [run, created] = target_run(db, pieces[0], command, into);
      target = std::move(run);
      out.created = created;
    });
    out.run_id = target.id;
    const std::string run_rows = "SELECT count(*) FROM samples WHERE run_id=?";
    const int64_t before = count(db, run_rows, target.id);
    std::set<std::tuple<std::string, std::string, int64_t>> offered;  // distinct keys
    size_t offered_rows = 0;
    // One input at a time: SQLite attaches outside transactions, and a failure keeps the
    // inputs merged so far (merging again completes the rest).
    for (const auto& file : files) {
      Statement attach(db, "ATTACH DATABASE ? AS src");
      attach.bind(1, file.string()).run();
      try {
        in_transaction(db, [&] {
          for (const auto& p : pieces) {
            if (p.file != file) continue;
            merge_piece(db, p.run.id, target.id, out, offered, offered_rows);
            if (p.run.merged_from.is_array() && !p.run.merged_from.empty()) {
              for (const auto& e : p.run.merged_from) add_entry(target.merged_from, e);
            } else {
              add_entry(target.merged_from, entry(file, p.run));
            }
          }
        });
      } catch (...) {
        sqlite3_exec(db, "DETACH DATABASE src", nullptr, nullptr, nullptr);
        throw;
      }
      exec_sql(db, "DETACH DATABASE src");
    }
    // Counted over distinct samples: a sample offered by several pieces (a store holding a
    // rerun of a completed run, overlapping pieces) counts once; the others are duplicates.
    out.added = static_cast<size_t>(count(db, run_rows, target.id) - before);
    out.already = offered.size() - std::min(offered.size(), out.added + out.replaced);
    out.duplicates = offered_rows - offered.size();
    auto [whole, covered] = coverage(target.merged_from);
    const int64_t unscored = count(
        db, "SELECT count(*) FROM samples WHERE run_id=? AND " + unscored_sample(), target.id);
    // A target completed before (e.g. resumed by `yardstick run` after an incomplete
    // merge) stays completed: merging only adds answers, and its merged_from entries may
    // predate that completion.
    const bool was_completed = !out.created && target.status == "completed";
    out.status = (whole || was_completed) && unscored == 0 ? "completed" : "incomplete";
    out.covered = covered;
    Statement finish(db,
                     "UPDATE runs SET merged_from=?, status=?, finished_at=?, command=? "
                     "WHERE id=?");
    finish.bind(1, target.merged_from.dump()).bind(2, out.status).bind(3, utc_now_iso());
    finish.bind(4, command).bind(5, target.id).run();
    record_run_usage(db, target.id);  // what `yardstick runs` shows, over all merged samples
  } catch (const StoreError& e) {
    sqlite3_close(db);
    throw StoreError(into.string() + ": merge failed: " + e.what());
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  sqlite3_close(db);
  return out;
}

}  // namespace ys
