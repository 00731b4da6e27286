// Reads dataset files into records (JSON objects), whatever their on-disk format.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ys {

enum class DataFormat {
  kJsonl,
  kJson,
  kCsv,
  // The MATH dataset's own layout (hendrycks/math): each file one problem, a JSON object with
  // string fields problem, level, type and solution, at {split}/{subject}/{n}.json. The
  // record gets MATH-500's derived fields: unique_id "{split}/{subject}/{n}.json", subject
  // (= type) and answer (the last \boxed{} of the solution, util/latex.h; absent when there
  // is none).
  kMathProblem,
};

// Parses "jsonl", "json", "csv" or "math_problem"; throws InputError otherwise.
DataFormat parse_data_format(const std::string& name);

struct ReadOptions {
  DataFormat format = DataFormat::kJsonl;
  // For JSON files holding an object of splits ({"test": [...]}): the key to read.
  std::string split;
  // For CSV: whether the first row names the columns. Without a header, columns are
  // named "0", "1", ...
  bool csv_header = true;
};

// Reads every record of `path` in file order. Files ending in ".gz" are decompressed.
// Each record is a JSON object. Throws InputError naming the file (and line, where there
// is one) when the file is missing, unreadable or malformed.
std::vector<nlohmann::json> read_records(const std::filesystem::path& path,
                                         const ReadOptions& options);

// The whole content of `path`, decompressed when it ends in ".gz". Throws InputError.
std::string read_file_text(const std::filesystem::path& path);

}  // namespace ys
