// Writes GGUF files (version 2 or 3): for tests, fixtures and generated benchmark models.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runners/engine/format/gguf.h"

namespace ys::engine {

class GgufWriter {
 public:
  // Metadata setters; a later call with the same key replaces the value. Keys are written
  // in the order first set.
  void set(const std::string& key, GgufValue value);
  void set_string(const std::string& key, const std::string& v);
  void set_u32(const std::string& key, uint32_t v);
  void set_i32(const std::string& key, int32_t v);
  void set_f32(const std::string& key, float v);
  void set_bool(const std::string& key, bool v);
  void set_strings(const std::string& key, const std::vector<std::string>& v);
  void set_f32s(const std::string& key, const std::vector<float>& v);
  void set_i32s(const std::string& key, const std::vector<int32_t>& v);

  // Adds a tensor of shape `ne` (fastest-varying first) from floats, encoded as `type`
  // (quantize_row per row). values.size() must equal the product of ne.
  void add_tensor(const std::string& name, const std::vector<int64_t>& ne, GgmlType type,
                  const std::vector<float>& values);

  // Adds a tensor from already encoded bytes, written as given (tests use this to make
  // files whose sizes disagree with their shapes).
  void add_raw_tensor(const std::string& name, const std::vector<int64_t>& ne, uint32_t type,
                      std::vector<uint8_t> bytes);

  // Encodes the whole file. `alignment` other than 32 is also stored as general.alignment.
  std::vector<uint8_t> encode(uint32_t version = 3, uint32_t alignment = 32) const;

  // encode() written to `path`, streamed; throws InputError if the file cannot be written.
  void write(const std::string& path, uint32_t version = 3, uint32_t alignment = 32) const;

 private:
  // Everything before the tensor data, padding included.
  std::vector<uint8_t> header(uint32_t version, uint32_t alignment) const;

  struct Tensor {
    std::string name;
    std::vector<int64_t> ne;
    uint32_t type;
    std::vector<uint8_t> bytes;
  };
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::vector<Tensor> tensors_;
};

}  // namespace ys::engine
