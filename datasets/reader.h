// Reads dataset files into records (JSON objects), whatever their on-disk format.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ys {

enum class DataFormat { kJsonl, kJson, kCsv };

// Parses "jsonl", "json" or "csv"; throws InputError otherwise.
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
