#include "runners/engine/format/gguf.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "runners/engine/cpu/quant.h"
#include "runners/engine/format/gguf_writer.h"
#include "tests/engine/test_data.h"
#include "util/error.h"

namespace ys::engine {
namespace {

namespace fs = std::filesystem;

class GgufTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Memory-backed when available: the fuzz tests write thousands of small files.
    fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    dir_ = base / ("ys_gguf_test_" + std::to_string(::getpid()) + "_" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_bytes(const std::string& name, const std::vector<uint8_t>& bytes) {
    std::string path = (dir_ / name).string();
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  // Expects loading `path` to throw InputError whose message contains `needle`.
  static void expect_error(const std::string& path, const std::string& needle) {
    try {
      GgufFile f(path);
      ADD_FAILURE() << "no error for " << path;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }

  fs::path dir_;
};

std::vector<float> ramp(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i % 17) * 0.25f - 2.0f;
  return v;
}

// A writer holding one value of every metadata type and one tensor of every tensor type.
GgufWriter every_type_writer() {
  GgufWriter w;
  w.set("u8", {GgufType::kUint8, uint64_t{200}});
  w.set("i8", {GgufType::kInt8, int64_t{-100}});
  w.set("u16", {GgufType::kUint16, uint64_t{60000}});
  w.set("i16", {GgufType::kInt16, int64_t{-30000}});
  w.set_u32("u32", 4000000000u);
  w.set_i32("i32", -2000000000);
  w.set("u64", {GgufType::kUint64, uint64_t{1} << 40});
  w.set("i64", {GgufType::kInt64, -(int64_t{1} << 40)});
  w.set_f32("f32", 0.5f);
  w.set("f64", {GgufType::kFloat64, 0.1});
  w.set_bool("bool", true);
  w.set_string("general.architecture", "llama");
  w.set_strings("strings", {"a", "", "▁b"});
  w.set_f32s("floats", {1.5f, -2.0f});
  w.set_i32s("ints", {3, -4, 5});
  GgufArray inner{GgufType::kUint8, {{GgufType::kUint8, uint64_t{7}}}};
  GgufArray outer{GgufType::kArray, {{GgufType::kArray, inner}, {GgufType::kArray, inner}}};
  w.set("nested", {GgufType::kArray, outer});
  w.add_tensor("f32", {64, 2}, GgmlType::kF32, ramp(128));
  w.add_tensor("f16", {64, 2}, GgmlType::kF16, ramp(128));
  w.add_tensor("bf16", {64, 2}, GgmlType::kBF16, ramp(128));
  w.add_tensor("q8_0", {64, 2}, GgmlType::kQ8_0, ramp(128));
  w.add_tensor("q4_0", {32, 3, 2}, GgmlType::kQ4_0, ramp(192));
  w.add_tensor("q4_k", {256, 2}, GgmlType::kQ4_K, ramp(512));
  w.add_tensor("q5_k", {256}, GgmlType::kQ5_K, ramp(256));
  w.add_tensor("q6_k", {256}, GgmlType::kQ6_K, ramp(256));
  return w;
}

TEST_F(GgufTest, RoundTripsEveryValueAndTensorType) {
  GgufWriter w = every_type_writer();
  for (uint32_t version : {2u, 3u}) {
    for (uint32_t alignment : {32u, 64u, 8u}) {
      std::string path =
          (dir_ / ("v" + std::to_string(version) + "_" + std::to_string(alignment) + ".gguf"))
              .string();
      w.write(path, version, alignment);
      GgufFile f(path);
      std::vector<uint8_t> encoded = w.encode(version, alignment);
      ASSERT_EQ(f.bytes(),
                std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
      EXPECT_EQ(f.version(), version);
      EXPECT_EQ(f.alignment(), alignment);
      EXPECT_EQ(f.get_int("u8"), 200);
      EXPECT_EQ(f.get_int("i8"), -100);
      EXPECT_EQ(f.get_int("u16"), 60000);
      EXPECT_EQ(f.get_int("i16"), -30000);
      EXPECT_EQ(f.get_int("u32"), 4000000000);
      EXPECT_EQ(f.get_int("i32"), -2000000000);
      EXPECT_EQ(f.get_int("u64"), int64_t{1} << 40);
      EXPECT_EQ(f.get_int("i64"), -(int64_t{1} << 40));
      EXPECT_EQ(f.get_float("f32", 0), 0.5);
      EXPECT_EQ(f.get_float("f64", 0), 0.1);
      EXPECT_TRUE(f.get_bool("bool", false));
      EXPECT_EQ(f.find("u16")->type, GgufType::kUint16);
      EXPECT_EQ(f.get_string("general.architecture"), "llama");
      EXPECT_EQ(f.get_strings("strings"), (std::vector<std::string>{"a", "", "▁b"}));
      EXPECT_EQ(f.get_floats("floats"), (std::vector<float>{1.5f, -2.0f}));
      EXPECT_EQ(f.get_ints("ints"), (std::vector<int32_t>{3, -4, 5}));
      const GgufArray& nested = f.find("nested")->as_array();
      ASSERT_EQ(nested.items.size(), 2u);
      EXPECT_EQ(nested.items[1].as_array().items[0].as_int(), 7);
      EXPECT_EQ(f.get_int("missing", 9), 9);
      EXPECT_THROW(f.get_string("u8"), InputError);
      EXPECT_THROW(f.get_int("missing"), InputError);

      ASSERT_EQ(f.tensors().size(), 8u);
      for (const GgufTensor& t : f.tensors()) {
        EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % alignment, 0u) << t.name;
        std::vector<float> got(static_cast<size_t>(t.n_elements()));
        dequantize_row(t.type, t.data, got.data(), t.n_elements());
        std::vector<float> want = ramp(got.size());
        std::vector<uint8_t> enc = quantize_row(t.type, want.data(), t.n_elements());
        EXPECT_EQ(std::memcmp(enc.data(), t.data, t.n_bytes), 0) << t.name;
        EXPECT_EQ(enc.size(), t.n_bytes) << t.name;
      }
      EXPECT_EQ(f.tensor("q4_0").ne, (std::vector<int64_t>{32, 3, 2}));
      EXPECT_EQ(f.tensor("q4_0").type, GgmlType::kQ4_0);
      EXPECT_THROW(f.tensor("nope"), InputError);
    }
  }
}

TEST_F(GgufTest, EveryTruncationIsAnError) {
  std::vector<uint8_t> bytes = every_type_writer().encode();
  // Cuts inside the padding after the last tensor's data lose nothing.
  GgufFile full(write_bytes("full.gguf", bytes));
  const GgufTensor& last = full.tensors().back();
  size_t needed = full.data_offset() + last.offset + last.n_bytes;
  ASSERT_LT(needed, bytes.size());
  EXPECT_NO_THROW(
      GgufFile{write_bytes("t.gguf", std::vector<uint8_t>(bytes.begin(), bytes.begin() + needed))});
  for (size_t n = 0; n < needed; ++n) {
    std::string path =
        write_bytes("t.gguf", std::vector<uint8_t>(bytes.begin(), bytes.begin() + n));
    EXPECT_THROW(GgufFile{path}, InputError) << "prefix of " << n << " bytes";
  }
}

// Random byte flips: the parser accepts or rejects, with InputError only, never crashes.
TEST_F(GgufTest, CorruptBytesNeverCrash) {
  std::vector<uint8_t> bytes = every_type_writer().encode();
  std::mt19937 rng(42);
  int rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint8_t> b = bytes;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      // Mostly within the header, where the structure lives.
      size_t at = rng() % (round % 2 ? b.size() : std::min<size_t>(b.size(), 700));
      b[at] = static_cast<uint8_t>(rng());
    }
    std::string path = write_bytes("c.gguf", b);
    try {
      GgufFile f(path);
      for (const GgufTensor& t : f.tensors()) {
        ASSERT_LE(t.data + t.n_bytes, t.data - t.offset + f.file_size());
      }
    } catch (const InputError&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 100);
}

TEST_F(GgufTest, NamesTheBadTensor) {
  {
    GgufWriter w;
    w.add_raw_tensor("blk.0.odd", {32}, 3 /* Q4_1 */, std::vector<uint8_t>(20));
    expect_error(write_bytes("type.gguf", w.encode()), "tensor 'blk.0.odd': unknown");
  }
  {
    GgufWriter w;
    w.add_raw_tensor("ragged", {33}, static_cast<uint32_t>(GgmlType::kQ8_0),
                     std::vector<uint8_t>(68));
    expect_error(write_bytes("ragged.gguf", w.encode()), "tensor 'ragged': row of 33");
  }
  {
    // The shape says 64 floats, the file holds 16: the data runs past the end.
    GgufWriter w;
    w.add_raw_tensor("short", {64}, 0, std::vector<uint8_t>(64));
    expect_error(write_bytes("short.gguf", w.encode()), "tensor 'short': data");
  }
  {
    GgufWriter w;
    w.add_raw_tensor("a", {4}, 0, std::vector<uint8_t>(16));
    w.add_raw_tensor("a", {4}, 0, std::vector<uint8_t>(16));
    expect_error(write_bytes("dup.gguf", w.encode()), "duplicate tensor 'a'");
  }
}

TEST_F(GgufTest, RejectsBadHeaders) {
  std::vector<uint8_t> good = every_type_writer().encode();
  std::vector<uint8_t> b = good;
  b[0] = 'X';
  expect_error(write_bytes("magic.gguf", b), "bad magic");
  b = good;
  b[4] = 1;
  expect_error(write_bytes("v1.gguf", b), "unsupported version 1");
  GgufWriter w;
  w.set_u32("general.alignment", 3);
  expect_error(write_bytes("align.gguf", w.encode()), "power of two");
  expect_error((dir_ / "absent.gguf").string(), "cannot open");
  expect_error(write_bytes("empty.gguf", {}), "truncated");
}

TEST(GgufShared, LoadsStories260K) {
  YS_SHARED_FILE(path, "models/stories260K.gguf");
  GgufFile f(path);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_int("llama.embedding_length"), 64);
  EXPECT_EQ(f.tensors().size(), 48u);
  const GgufTensor& emb = f.tensor("token_embd.weight");
  EXPECT_EQ(emb.ne, (std::vector<int64_t>{64, 512}));
  EXPECT_EQ(emb.type, GgmlType::kF32);
  EXPECT_EQ(f.get_strings("tokenizer.ggml.tokens").size(), 512u);
  EXPECT_EQ(f.get_strings("tokenizer.ggml.tokens")[1], "<s>");
}

}  // namespace
}  // namespace ys::engine
