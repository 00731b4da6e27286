#include "datasets/reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "tests/support/test_paths.h"
#include "util/error.h"

namespace ys {
namespace {

using test::ScratchDir;
using test::write_file;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ReadJsonl, ReadsRecordsInOrderAndSkipsBlankLines) {
  ScratchDir dir;
  write_file(dir / "d.jsonl", "{\"a\":1}\n\n{\"a\":2}\n");
  auto r = read_records(dir / "d.jsonl", {});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1]["a"], 2);
}

TEST(ReadJsonl, MalformedLineNamesFileAndLine) {
  ScratchDir dir;
  write_file(dir / "d.jsonl", "{\"a\":1}\n{\"a\":2}\n{\"a\":\n");
  std::string e = error_of([&] { read_records(dir / "d.jsonl", {}); });
  EXPECT_NE(e.find("d.jsonl:3:"), std::string::npos) << e;
}

TEST(ReadJsonl, NonObjectRecordIsAnError) {
  ScratchDir dir;
  write_file(dir / "d.jsonl", "[1,2]\n");
  EXPECT_NE(error_of([&] { read_records(dir / "d.jsonl", {}); }).find(":1:"), std::string::npos);
}

TEST(ReadFile, MissingFileNamesIt) {
  std::string e = error_of([] { read_records("/nonexistent/x.jsonl", {}); });
  EXPECT_NE(e.find("/nonexistent/x.jsonl"), std::string::npos);
  EXPECT_NE(e.find("not found"), std::string::npos);
}

TEST(ReadJson, ArrayOrSplitOfAnObject) {
  ScratchDir dir;
  write_file(dir / "a.json", R"([{"x":1},{"x":2}])");
  write_file(dir / "b.json", R"({"train":[{"x":1}],"test":[{"x":5},{"x":6},{"x":7}]})");
  EXPECT_EQ(read_records(dir / "a.json", {DataFormat::kJson, "", true}).size(), 2u);
  auto t = read_records(dir / "b.json", {DataFormat::kJson, "test", true});
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0]["x"], 5);
  EXPECT_NE(error_of([&] {
              read_records(dir / "b.json", {DataFormat::kJson, "dev", true});
            }).find("dev"),
            std::string::npos);
}

TEST(ReadCsv, QuotedFieldsWithCommasQuotesAndNewlines) {
  ScratchDir dir;
  write_file(dir / "d.csv", "q,a\r\n\"Hello, \"\"world\"\"\",1\n\"two\nlines\",2\n");
  auto r = read_records(dir / "d.csv", {DataFormat::kCsv, "", true});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0]["q"], "Hello, \"world\"");
  EXPECT_EQ(r[1]["q"], "two\nlines");
  EXPECT_EQ(r[1]["a"], "2");
}

TEST(ReadCsv, WithoutHeaderColumnsAreNumbered) {
  ScratchDir dir;
  write_file(dir / "d.csv", "What?,A,B,C,D,B\n");
  auto r = read_records(dir / "d.csv", {DataFormat::kCsv, "", false});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["5"], "B");
}

TEST(ReadCsv, RaggedRowAndUnterminatedQuoteNameTheLine) {
  ScratchDir dir;
  write_file(dir / "r.csv", "a,b\n1,2\n3\n");
  EXPECT_NE(error_of([&] {
              read_records(dir / "r.csv", {DataFormat::kCsv, "", true});
            }).find("r.csv:3:"),
            std::string::npos);
  write_file(dir / "u.csv", "a,b\n1,\"oops\n");
  EXPECT_NE(error_of([&] {
              read_records(dir / "u.csv", {DataFormat::kCsv, "", true});
            }).find("u.csv:2:"),
            std::string::npos);
}

TEST(ReadGzip, DecompressesAndRejectsCorruptData) {
  ScratchDir dir;
  auto path = dir / "d.jsonl.gz";
  gzFile f = gzopen(path.c_str(), "wb");
  std::string text = "{\"a\":1}\n{\"a\":2}\n";
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  EXPECT_EQ(read_records(path, {}).size(), 2u);

  std::string bytes = read_file_text(path);  // decompressed
  EXPECT_EQ(bytes, text);
  write_file(dir / "bad.gz", std::string("\x1f\x8b\x08\x00garbagegarbage", 18));
  EXPECT_THROW(read_records(dir / "bad.gz", {}), InputError);
}

TEST(ReadGzip, RealHumanEvalFile) {
  auto path = test::shared_dir() / "datasets/humaneval/HumanEval.jsonl.gz";
  if (!test::require_shared(path)) GTEST_SKIP();
  auto r = read_records(path, {});
  ASSERT_EQ(r.size(), 164u);
  EXPECT_EQ(r[0]["task_id"], "HumanEval/0");
}

}  // namespace
}  // namespace ys
