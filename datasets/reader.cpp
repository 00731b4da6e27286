#include "datasets/reader.h"

#include <zip.h>
#include <zlib.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "util/error.h"
#include "util/latex.h"
#include "util/strings.h"

namespace ys {
namespace {

std::string read_gzip(const std::filesystem::path& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw InputError(located(path.string(), 0, "cannot open gzip file"));
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  int err = 0;
  const char* msg = gzerror(f, &err);
  bool failed = n < 0 || (err != Z_OK && err != Z_STREAM_END);
  std::string reason = failed ? msg : "";
  gzclose(f);
  if (failed) throw InputError(located(path.string(), 0, "corrupt gzip data: " + reason));
  return out;
}

std::vector<nlohmann::json> parse_jsonl(const std::string& text, const std::string& file) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) continue;
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(located(file, line_no, std::string("invalid JSON: ") + e.what()));
    }
    if (!record.is_object())
      throw InputError(located(file, line_no, "record is not a JSON object"));
    out.push_back(std::move(record));
  }
  return out;
}

std::vector<nlohmann::json> parse_json(const std::string& text, const std::string& file,
                                       const std::string& split) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(located(file, 0, std::string("invalid JSON: ") + e.what()));
  }
  if (doc.is_object() && !split.empty()) {
    if (!doc.contains(split)) throw InputError(located(file, 0, "no split named '" + split + "'"));
    doc = doc[split];
  }
  if (!doc.is_array()) throw InputError(located(file, 0, "expected an array of records"));
  std::vector<nlohmann::json> out;
  for (size_t i = 0; i < doc.size(); ++i) {
    if (!doc[i].is_object()) {
      throw InputError(located(file, 0, "record " + std::to_string(i) + " is not an object"));
    }
    out.push_back(std::move(doc[i]));
  }
  return out;
}

// RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines.
std::vector<std::vector<std::string>> parse_csv_rows(const std::string& text,
                                                     const std::string& file) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, field_started = false;
  int line = 1, quote_line = 0;
  auto end_field = [&] {
    row.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"' && !field_started) {
      quoted = field_started = true;
      quote_line = line;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_field();
      rows.push_back(std::move(row));
      row.clear();
      ++line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) throw InputError(located(file, quote_line, "unterminated quoted CSV field"));
  if (field_started || !row.empty()) {
    end_field();
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<nlohmann::json> parse_csv(const std::string& text, const std::string& file,
                                      bool header) {
  auto rows = parse_csv_rows(text, file);
  std::vector<std::string> names;
  size_t first = 0;
  if (header) {
    if (rows.empty()) throw InputError(located(file, 1, "CSV file has no header row"));
    names = rows[0];
    first = 1;
  }
  std::vector<nlohmann::json> out;
  for (size_t r = first; r < rows.size(); ++r) {
    if (rows[r].size() == 1 && rows[r][0].empty()) continue;  // blank line
    if (header && rows[r].size() != names.size()) {
      throw InputError(located(file, static_cast<int>(r + 1),
                               "row has " + std::to_string(rows[r].size()) +
                                   " fields, header has " + std::to_string(names.size())));
    }
    nlohmann::json record = nlohmann::json::object();
    for (size_t c = 0; c < rows[r].size(); ++c) {
      record[header ? names[c] : std::to_string(c)] = rows[r][c];
    }
    out.push_back(std::move(record));
  }
  return out;
}

std::vector<nlohmann::json> parse_math_problem(const std::string& text,
                                               const std::filesystem::path& path) {
  const std::string file = path.string();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(located(file, 0, std::string("invalid JSON: ") + e.what()));
  }
  if (!doc.is_object()) throw InputError(located(file, 0, "a MATH problem file holds one object"));
  for (const char* key : {"problem", "level", "type", "solution"}) {
    if (!doc.contains(key) || !doc[key].is_string()) {
      throw InputError(
          located(file, 0, std::string("a MATH problem needs a string field '") + key + "'"));
    }
  }
  const std::filesystem::path subject_dir = path.parent_path();
  doc["unique_id"] =
      (subject_dir.parent_path().filename() / subject_dir.filename() / path.filename())
          .generic_string();
  if (!doc.contains("subject")) doc["subject"] = doc["type"];
  if (auto answer = boxed_answer(doc["solution"].get<std::string>()); answer) {
    doc["answer"] = *answer;
  }
  return {std::move(doc)};
}

}  // namespace

DataFormat parse_data_format(const std::string& name) {
  if (name == "jsonl") return DataFormat::kJsonl;
  if (name == "json") return DataFormat::kJson;
  if (name == "csv") return DataFormat::kCsv;
  if (name == "math_problem") return DataFormat::kMathProblem;
  throw InputError("unknown dataset format '" + name +
                   "' (expected jsonl, json, csv or math_problem)");
}

std::string read_file_text(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw InputError(located(path.string(), 0, "dataset file not found"));
  }
  if (path.extension() == ".gz") return read_gzip(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(located(path.string(), 0, "cannot open file"));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_zip_member(const std::filesystem::path& path, const std::string& member,
                            const std::string& password) {
  const std::string where = path.string() + " (member " + member + ")";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw InputError(located(path.string(), 0, "dataset file not found"));
  }
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &error);
  if (!archive) {
    zip_error_t e;
    zip_error_init_with_code(&e, error);
    std::string why = zip_error_strerror(&e);
    zip_error_fini(&e);
    throw InputError(located(path.string(), 0, "cannot open zip archive: " + why));
  }
  std::unique_ptr<zip_t, void (*)(zip_t*)> close(archive, [](zip_t* z) { zip_discard(z); });
  zip_stat_t st;
  if (zip_stat(archive, member.c_str(), 0, &st) != 0) {
    throw InputError(located(where, 0, "no such member in the zip archive"));
  }
  zip_file_t* f = password.empty()
                      ? zip_fopen(archive, member.c_str(), 0)
                      : zip_fopen_encrypted(archive, member.c_str(), 0, password.c_str());
  if (!f) {
    throw InputError(located(where, 0, std::string("cannot read: ") + zip_strerror(archive)));
  }
  std::string out;
  char buf[1 << 16];
  zip_int64_t n;
  while ((n = zip_fread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  // A wrong password passes zip_fopen's one-byte check 1 time in 256: the CRC catches it.
  std::string why = n < 0 ? zip_file_strerror(f) : "";
  zip_fclose(f);
  if (n < 0) {
    throw InputError(located(where, 0, "cannot read (wrong password?): " + why));
  }
  return out;
}

std::vector<nlohmann::json> read_records(const std::filesystem::path& path,
                                         const ReadOptions& options, const ArchiveMember& member) {
  std::string text;
  std::string file = path.string();
  if (member.name.empty()) {
    text = read_file_text(path);
  } else {
    text = read_zip_member(path, member.name, member.password);
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    file += " (member " + member.name + ")";
  }
  switch (options.format) {
    case DataFormat::kJsonl:
      return parse_jsonl(text, file);
    case DataFormat::kJson:
      return parse_json(text, file, options.split);
    case DataFormat::kCsv:
      return parse_csv(text, file, options.csv_header);
    case DataFormat::kMathProblem:
      return parse_math_problem(text, path);
  }
  return {};
}

}  // namespace ys
