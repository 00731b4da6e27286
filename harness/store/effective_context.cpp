#include "harness/store/effective_context.h"

#include <nlohmann/json.hpp>

#include "harness/store/schema.h"
#include "harness/store/sqlite.h"

namespace ys {

void write_effective_context(const std::filesystem::path& db, const EffectiveContext& e) {
  StoreConnection c(db);
  nlohmann::json per_length = nlohmann::json::array();
  for (const auto& [length, average] : e.per_length) per_length.push_back({length, average});
  Statement s(c.db,
              "INSERT OR REPLACE INTO effective_context(run_id, threshold, effective_length, "
              "per_length, tasks) VALUES(?,?,?,?,?)");
  s.bind(1, e.run_id).bind(2, e.threshold);
  if (e.effective_length) {
    s.bind(3, *e.effective_length);
  } else {
    s.bind_null(3);
  }
  s.bind(4, per_length.dump()).bind(5, nlohmann::json(e.tasks).dump());
  s.run();
}

std::optional<EffectiveContext> read_effective_context(const std::filesystem::path& db,
                                                       int64_t run_id) {
  StoreConnection c(db);
  Statement s(c.db,
              "SELECT threshold, effective_length, per_length, tasks FROM effective_context "
              "WHERE run_id=?");
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  EffectiveContext e;
  e.run_id = run_id;
  e.threshold = s.real(0);
  if (!s.is_null(1)) e.effective_length = s.integer(1);
  auto per_length = nlohmann::json::parse(s.text(2), nullptr, false);
  if (per_length.is_array()) {
    for (const auto& p : per_length)
      e.per_length.emplace_back(p[0].get<int64_t>(), p[1].get<double>());
  }
  auto tasks = nlohmann::json::parse(s.text(3), nullptr, false);
  if (tasks.is_array()) e.tasks = tasks.get<std::vector<std::string>>();
  return e;
}

}  // namespace ys
