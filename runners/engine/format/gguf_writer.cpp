#include "runners/engine/format/gguf_writer.h"

#include <cstring>
#include <fstream>

#include "runners/engine/cpu/quant.h"
#include "util/error.h"

namespace ys::engine {
namespace {

class Out {
 public:
  template <typename T>
  void put(T v) {
    size_t at = bytes.size();
    bytes.resize(at + sizeof(T));
    std::memcpy(bytes.data() + at, &v, sizeof(T));
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  void pad_to(uint64_t alignment) {
    while (bytes.size() % alignment != 0) bytes.push_back(0);
  }
  void put_value(const GgufValue& v) {
    switch (v.type) {
      case GgufType::kUint8:
        put(static_cast<uint8_t>(std::get<uint64_t>(v.value)));
        break;
      case GgufType::kInt8:
        put(static_cast<int8_t>(std::get<int64_t>(v.value)));
        break;
      case GgufType::kUint16:
        put(static_cast<uint16_t>(std::get<uint64_t>(v.value)));
        break;
      case GgufType::kInt16:
        put(static_cast<int16_t>(std::get<int64_t>(v.value)));
        break;
      case GgufType::kUint32:
        put(static_cast<uint32_t>(std::get<uint64_t>(v.value)));
        break;
      case GgufType::kInt32:
        put(static_cast<int32_t>(std::get<int64_t>(v.value)));
        break;
      case GgufType::kUint64:
        put(std::get<uint64_t>(v.value));
        break;
      case GgufType::kInt64:
        put(std::get<int64_t>(v.value));
        break;
      case GgufType::kFloat32:
        put(static_cast<float>(std::get<double>(v.value)));
        break;
      case GgufType::kFloat64:
        put(std::get<double>(v.value));
        break;
      case GgufType::kBool:
        put(static_cast<uint8_t>(std::get<bool>(v.value)));
        break;
      case GgufType::kString:
        put_string(std::get<std::string>(v.value));
        break;
      case GgufType::kArray: {
        const GgufArray& a = std::get<GgufArray>(v.value);
        put(static_cast<uint32_t>(a.type));
        put<uint64_t>(a.items.size());
        for (const GgufValue& item : a.items) put_value(item);
        break;
      }
    }
  }
  std::vector<uint8_t> bytes;
};

template <typename T>
GgufValue array_of(GgufType type, const std::vector<T>& items) {
  GgufArray a;
  a.type = type;
  a.items.resize(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    a.items[i].type = type;
    if constexpr (std::is_same_v<T, std::string>) {
      a.items[i].value = items[i];
    } else if constexpr (std::is_same_v<T, float>) {
      a.items[i].value = double{items[i]};
    } else {
      a.items[i].value = int64_t{items[i]};
    }
  }
  GgufValue v;
  v.type = GgufType::kArray;
  v.value = std::move(a);
  return v;
}

// Zero bytes that pad `size` to a multiple of `alignment`.
size_t padding(size_t size, uint32_t alignment) {
  return (alignment - size % alignment) % alignment;
}

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue value) {
  for (auto& [k, v] : kv_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  kv_.emplace_back(key, std::move(value));
}

void GgufWriter::set_string(const std::string& key, const std::string& v) {
  set(key, {GgufType::kString, v});
}
void GgufWriter::set_u32(const std::string& key, uint32_t v) {
  set(key, {GgufType::kUint32, uint64_t{v}});
}
void GgufWriter::set_i32(const std::string& key, int32_t v) {
  set(key, {GgufType::kInt32, int64_t{v}});
}
void GgufWriter::set_f32(const std::string& key, float v) {
  set(key, {GgufType::kFloat32, double{v}});
}
void GgufWriter::set_bool(const std::string& key, bool v) {
  set(key, {GgufType::kBool, v});
}
void GgufWriter::set_strings(const std::string& key, const std::vector<std::string>& v) {
  set(key, array_of(GgufType::kString, v));
}
void GgufWriter::set_f32s(const std::string& key, const std::vector<float>& v) {
  set(key, array_of(GgufType::kFloat32, v));
}
void GgufWriter::set_i32s(const std::string& key, const std::vector<int32_t>& v) {
  set(key, array_of(GgufType::kInt32, v));
}

void GgufWriter::add_tensor(const std::string& name, const std::vector<int64_t>& ne, GgmlType type,
                            const std::vector<float>& values) {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  if (static_cast<int64_t>(values.size()) != n) {
    throw InputError("GgufWriter: tensor '" + name + "' has " + std::to_string(values.size()) +
                     " values for " + std::to_string(n) + " elements");
  }
  std::vector<uint8_t> bytes;
  for (int64_t r = 0; r < n / ne[0]; ++r) {
    std::vector<uint8_t> row = quantize_row(type, values.data() + r * ne[0], ne[0]);
    bytes.insert(bytes.end(), row.begin(), row.end());
  }
  add_raw_tensor(name, ne, static_cast<uint32_t>(type), std::move(bytes));
}

void GgufWriter::add_raw_tensor(const std::string& name, const std::vector<int64_t>& ne,
                                uint32_t type, std::vector<uint8_t> bytes) {
  tensors_.push_back({name, ne, type, std::move(bytes)});
}

std::vector<uint8_t> GgufWriter::header(uint32_t version, uint32_t alignment) const {
  Out out;
  out.put<uint32_t>(0x46554747);
  out.put<uint32_t>(version);
  bool store_alignment = alignment != 32;
  out.put<uint64_t>(tensors_.size());
  out.put<uint64_t>(kv_.size() + (store_alignment ? 1 : 0));
  for (const auto& [k, v] : kv_) {
    out.put_string(k);
    out.put(static_cast<uint32_t>(v.type));
    out.put_value(v);
  }
  if (store_alignment) {
    out.put_string("general.alignment");
    out.put(static_cast<uint32_t>(GgufType::kUint32));
    out.put<uint32_t>(alignment);
  }
  uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    out.put_string(t.name);
    out.put<uint32_t>(static_cast<uint32_t>(t.ne.size()));
    for (int64_t d : t.ne) out.put<uint64_t>(static_cast<uint64_t>(d));
    out.put<uint32_t>(t.type);
    out.put<uint64_t>(offset);
    offset += (t.bytes.size() + alignment - 1) / alignment * alignment;
  }
  out.pad_to(alignment);
  return std::move(out.bytes);
}

std::vector<uint8_t> GgufWriter::encode(uint32_t version, uint32_t alignment) const {
  std::vector<uint8_t> bytes = header(version, alignment);
  for (const Tensor& t : tensors_) {
    bytes.insert(bytes.end(), t.bytes.begin(), t.bytes.end());
    bytes.resize(bytes.size() + padding(t.bytes.size(), alignment));
  }
  return bytes;
}

void GgufWriter::write(const std::string& path, uint32_t version, uint32_t alignment) const {
  // Streamed: the tensor data is not copied into one buffer first.
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  auto put = [&](const uint8_t* data, size_t n) {
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
  };
  std::vector<uint8_t> head = header(version, alignment);
  put(head.data(), head.size());
  const std::vector<uint8_t> zeros(alignment, 0);
  for (const Tensor& t : tensors_) {
    put(t.bytes.data(), t.bytes.size());
    put(zeros.data(), padding(t.bytes.size(), alignment));
  }
  if (!f) throw InputError(path + ": cannot write");
}

}  // namespace ys::engine
