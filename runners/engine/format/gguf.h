// A read-only, memory-mapped GGUF file (versions 2 and 3): metadata and tensor views.
// Format: ggml/docs/gguf.md. Little-endian throughout: magic "GGUF", uint32 version,
// uint64 tensor count, uint64 metadata count, the key/value pairs, the tensor infos,
// padding to `general.alignment` (default 32), then the tensor data.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runners/engine/format/ggml_types.h"

namespace ys::engine {

// Metadata value types, numbered as in the GGUF specification.
enum class GgufType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

struct GgufValue;

// An array value: every item has type `type` (nested arrays are allowed by the format).
struct GgufArray {
  GgufType type = GgufType::kUint8;
  std::vector<GgufValue> items;
};

// One metadata value. Unsigned integers are held as uint64_t, signed ones as int64_t,
// floats as double; `type` keeps the type the file declared.
struct GgufValue {
  GgufType type = GgufType::kUint8;
  std::variant<uint64_t, int64_t, double, bool, std::string, GgufArray> value;

  // The value as a signed integer; throws InputError unless it is an integer (or bool)
  // that fits.
  int64_t as_int() const;
  // The value as a double; integers convert. Throws InputError for strings and arrays.
  double as_float() const;
  // The value of a kBool (or a 0/1 integer); throws InputError otherwise.
  bool as_bool() const;
  // The string of a kString; throws InputError otherwise.
  const std::string& as_string() const;
  // The array of a kArray; throws InputError otherwise.
  const GgufArray& as_array() const;
};

// A tensor's description and a view of its bytes inside the mapping.
struct GgufTensor {
  std::string name;
  std::vector<int64_t>
      ne;  // dimensions, fastest-varying first (a [rows, cols] matrix is {cols, rows})
  GgmlType type = GgmlType::kF32;
  uint64_t offset = 0;  // relative to the start of the data section
  size_t n_bytes = 0;
  const uint8_t* data = nullptr;

  // Product of ne.
  int64_t n_elements() const;
};

class GgufFile {
 public:
  // Maps and parses `path`. Throws InputError naming the file (and the key or tensor at
  // fault) when it is unreadable, truncated, corrupt, of an unsupported version, or holds
  // a tensor of an unknown type, with a size that disagrees with its shape, or whose data
  // lies outside the file.
  explicit GgufFile(const std::string& path);
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  size_t file_size() const { return size_; }
  // The whole file, as mapped.
  std::string_view bytes() const { return {reinterpret_cast<const char*>(base_), size_}; }
  // Byte offset of the tensor data section (tensor offsets are relative to it).
  size_t data_offset() const { return data_offset_; }

  // The metadata, sorted by key, and the tensors in file order.
  const std::map<std::string, GgufValue>& metadata() const { return metadata_; }
  const std::vector<GgufTensor>& tensors() const { return tensors_; }

  // The value under `key`, or nullptr.
  const GgufValue* find(const std::string& key) const;
  // The tensor called `name`, or nullptr.
  const GgufTensor* find_tensor(const std::string& name) const;

  // Typed lookups. The one-argument forms throw InputError naming the file and key when the
  // key is missing; the others return `fallback`. All throw on a value of the wrong type.
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  double get_float(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  // An array of strings, floats or integers; empty when the key is missing.
  std::vector<std::string> get_strings(const std::string& key) const;
  std::vector<float> get_floats(const std::string& key) const;
  std::vector<int32_t> get_ints(const std::string& key) const;

  // The tensor called `name`; throws InputError naming the file and tensor when missing.
  const GgufTensor& tensor(const std::string& name) const;

 private:
  void parse();

  std::string path_;
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  size_t data_offset_ = 0;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  std::map<std::string, GgufValue> metadata_;
  std::vector<GgufTensor> tensors_;
  std::map<std::string, size_t> tensor_index_;
};

}  // namespace ys::engine
