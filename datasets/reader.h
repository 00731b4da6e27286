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

// A member of a zip archive, read in memory (nothing is extracted to disk).
struct ArchiveMember {
  std::string name;      // empty: the file is not an archive; else e.g. "dataset/gpqa_main.csv"
  std::string password;  // traditional PKWARE or AES encryption; empty: none
};

// Reads every record of `path` in file order. Files ending in ".gz" are decompressed; with
// a `member` name, that member of the zip archive `path` is read instead (a UTF-8
// byte-order mark at its start dropped). Each record is a JSON object. Throws InputError
// naming the file (and line, where there is one) when the file is missing, unreadable or
// malformed.
std::vector<nlohmann::json> read_records(const std::filesystem::path& path,
                                         const ReadOptions& options,
                                         const ArchiveMember& member = {});

// The whole content of `path`, decompressed when it ends in ".gz". Throws InputError.
std::string read_file_text(const std::filesystem::path& path);

// The content of `member` of the zip archive `path`, decrypted with `password` when
// non-empty, in memory. Throws InputError naming the archive and member when the archive
// cannot be opened, has no such member, or the password is missing or wrong.
std::string read_zip_member(const std::filesystem::path& path, const std::string& member,
                            const std::string& password);

}  // namespace ys
