#include "runners/engine/format/gguf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "util/error.h"

namespace ys::engine {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian uint32
constexpr int kMaxDims = 4;              // GGML_MAX_DIMS
constexpr int kMaxArrayDepth = 8;        // nesting guard against hostile files

// What is wrong with a file; the constructor adds the path and turns it into InputError.
struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void bad(const std::string& what) {
  throw ParseError(what);
}

// Bounds-checked little-endian reader over the mapping. Every read past the end throws
// ParseError, so a truncated file is an error, never an out-of-bounds read.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }

  void need(uint64_t n, const char* what) {
    if (n > remaining()) {
      bad(std::string("truncated while reading ") + what + " at byte " + std::to_string(pos_));
    }
  }

  template <typename T>
  T read(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::string read_string(const char* what) {
    uint64_t n = read<uint64_t>(what);
    need(n, what);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Smallest encoded size of one value of `type`, used to reject absurd array counts
// before allocating.
uint64_t min_value_bytes(GgufType type) {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kBool:
      return 1;
    case GgufType::kUint16:
    case GgufType::kInt16:
      return 2;
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kFloat32:
      return 4;
    default:
      return 8;  // 64-bit scalars, and the length fields of strings and arrays
  }
}

const char* value_type_name(GgufType type) {
  switch (type) {
    case GgufType::kUint8:
      return "uint8";
    case GgufType::kInt8:
      return "int8";
    case GgufType::kUint16:
      return "uint16";
    case GgufType::kInt16:
      return "int16";
    case GgufType::kUint32:
      return "uint32";
    case GgufType::kInt32:
      return "int32";
    case GgufType::kFloat32:
      return "float32";
    case GgufType::kBool:
      return "bool";
    case GgufType::kString:
      return "string";
    case GgufType::kArray:
      return "array";
    case GgufType::kUint64:
      return "uint64";
    case GgufType::kInt64:
      return "int64";
    case GgufType::kFloat64:
      return "float64";
  }
  return "unknown";
}

GgufValue read_value(Reader& r, GgufType type, int depth, const std::string& key) {
  GgufValue v;
  v.type = type;
  switch (type) {
    case GgufType::kUint8:
      v.value = uint64_t{r.read<uint8_t>("a value")};
      break;
    case GgufType::kInt8:
      v.value = int64_t{r.read<int8_t>("a value")};
      break;
    case GgufType::kUint16:
      v.value = uint64_t{r.read<uint16_t>("a value")};
      break;
    case GgufType::kInt16:
      v.value = int64_t{r.read<int16_t>("a value")};
      break;
    case GgufType::kUint32:
      v.value = uint64_t{r.read<uint32_t>("a value")};
      break;
    case GgufType::kInt32:
      v.value = int64_t{r.read<int32_t>("a value")};
      break;
    case GgufType::kUint64:
      v.value = r.read<uint64_t>("a value");
      break;
    case GgufType::kInt64:
      v.value = r.read<int64_t>("a value");
      break;
    case GgufType::kFloat32:
      v.value = double{r.read<float>("a value")};
      break;
    case GgufType::kFloat64:
      v.value = r.read<double>("a value");
      break;
    case GgufType::kBool: {
      uint8_t b = r.read<uint8_t>("a value");
      if (b > 1) bad("key '" + key + "': bool value " + std::to_string(b) + " is not 0 or 1");
      v.value = b == 1;
      break;
    }
    case GgufType::kString:
      v.value = r.read_string("a string value");
      break;
    case GgufType::kArray: {
      if (depth >= kMaxArrayDepth) bad("key '" + key + "': arrays nested too deeply");
      GgufArray a;
      uint32_t raw = r.read<uint32_t>("an array type");
      if (raw > static_cast<uint32_t>(GgufType::kFloat64)) {
        bad("key '" + key + "': unknown array element type " + std::to_string(raw));
      }
      a.type = static_cast<GgufType>(raw);
      uint64_t n = r.read<uint64_t>("an array length");
      if (n > r.remaining() / min_value_bytes(a.type)) {
        bad("key '" + key + "': array of " + std::to_string(n) + " items runs past the end");
      }
      a.items.reserve(n);
      for (uint64_t i = 0; i < n; ++i) a.items.push_back(read_value(r, a.type, depth + 1, key));
      v.value = std::move(a);
      break;
    }
    default:
      bad("key '" + key + "': unknown value type " + std::to_string(static_cast<uint32_t>(type)));
  }
  return v;
}

[[noreturn]] void type_mismatch(const GgufValue& v, const char* wanted) {
  throw InputError(std::string("GGUF value of type ") + value_type_name(v.type) + " where " +
                   wanted + " was expected");
}

}  // namespace

int64_t GgufValue::as_int() const {
  if (const auto* u = std::get_if<uint64_t>(&value)) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      type_mismatch(*this, "an int64");
    }
    return static_cast<int64_t>(*u);
  }
  if (const auto* i = std::get_if<int64_t>(&value)) return *i;
  if (const auto* b = std::get_if<bool>(&value)) return *b ? 1 : 0;
  type_mismatch(*this, "an integer");
}

double GgufValue::as_float() const {
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* u = std::get_if<uint64_t>(&value)) return static_cast<double>(*u);
  if (const auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  type_mismatch(*this, "a number");
}

bool GgufValue::as_bool() const {
  if (const auto* b = std::get_if<bool>(&value)) return *b;
  if (const auto* u = std::get_if<uint64_t>(&value); u && *u <= 1) return *u == 1;
  if (const auto* i = std::get_if<int64_t>(&value); i && (*i == 0 || *i == 1)) return *i == 1;
  type_mismatch(*this, "a bool");
}

const std::string& GgufValue::as_string() const {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  type_mismatch(*this, "a string");
}

const GgufArray& GgufValue::as_array() const {
  if (const auto* a = std::get_if<GgufArray>(&value)) return *a;
  type_mismatch(*this, "an array");
}

int64_t GgufTensor::n_elements() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  return n;
}

GgufFile::GgufFile(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(path + ": not a regular file");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      throw InputError(path + ": cannot map: " + std::strerror(err));
    }
    base_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  try {
    parse();
  } catch (const ParseError& e) {
    if (base_) ::munmap(const_cast<uint8_t*>(base_), size_);
    throw InputError(path + ": invalid GGUF: " + e.what());
  } catch (...) {
    if (base_) ::munmap(const_cast<uint8_t*>(base_), size_);
    throw;
  }
}

GgufFile::~GgufFile() {
  if (base_) ::munmap(const_cast<uint8_t*>(base_), size_);
}

void GgufFile::parse() {
  Reader r(base_, size_);

  if (r.read<uint32_t>("the magic") != kMagic) bad("bad magic (not a GGUF file)");
  version_ = r.read<uint32_t>("the version");
  if (version_ != 2 && version_ != 3) {
    bad("unsupported version " + std::to_string(version_) + " (2 and 3 are supported)");
  }
  uint64_t n_tensors = r.read<uint64_t>("the tensor count");
  uint64_t n_kv = r.read<uint64_t>("the metadata count");
  // Each key/value needs at least 8 (key length) + 4 (type) + 1 bytes; each tensor info
  // at least 8 + 4 + 4 + 8 bytes.
  if (n_kv > r.remaining() / 13) bad("metadata count " + std::to_string(n_kv) + " is impossible");
  if (n_tensors > r.remaining() / 24) {
    bad("tensor count " + std::to_string(n_tensors) + " is impossible");
  }

  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key = r.read_string("a metadata key");
    uint32_t raw = r.read<uint32_t>("a metadata type");
    if (raw > static_cast<uint32_t>(GgufType::kFloat64)) {
      bad("key '" + key + "': unknown value type " + std::to_string(raw));
    }
    GgufValue v = read_value(r, static_cast<GgufType>(raw), 0, key);
    if (!metadata_.emplace(key, std::move(v)).second) bad("duplicate key '" + key + "'");
  }

  if (const GgufValue* a = find("general.alignment")) {
    if (a->type != GgufType::kUint32) bad("general.alignment is not a uint32");
    uint64_t al = std::get<uint64_t>(a->value);
    if (al == 0 || (al & (al - 1)) != 0) {
      bad("general.alignment " + std::to_string(al) + " is not a power of two");
    }
    alignment_ = al;
  }

  tensors_.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensor t;
    t.name = r.read_string("a tensor name");
    uint32_t n_dims = r.read<uint32_t>("a tensor's dimension count");
    if (n_dims == 0 || n_dims > kMaxDims) {
      bad("tensor '" + t.name + "': " + std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
    }
    uint64_t n_el = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t ne = r.read<uint64_t>("a tensor dimension");
      if (ne == 0 || ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / n_el) {
        bad("tensor '" + t.name + "': dimension " + std::to_string(d) + " = " + std::to_string(ne) +
            " is invalid");
      }
      n_el *= ne;
      t.ne.push_back(static_cast<int64_t>(ne));
    }
    uint32_t raw_type = r.read<uint32_t>("a tensor type");
    if (!is_supported_type(raw_type)) {
      bad("tensor '" + t.name + "': unknown or unsupported type " + std::to_string(raw_type));
    }
    t.type = static_cast<GgmlType>(raw_type);
    if (t.ne[0] % block_elements(t.type) != 0) {
      bad("tensor '" + t.name + "': row of " + std::to_string(t.ne[0]) +
          " elements is not a whole number of " + type_name(t.type) + " blocks (of " +
          std::to_string(block_elements(t.type)) + ")");
    }
    t.offset = r.read<uint64_t>("a tensor offset");
    if (t.offset % alignment_ != 0) {
      bad("tensor '" + t.name + "': offset " + std::to_string(t.offset) +
          " is not a multiple of the alignment " + std::to_string(alignment_));
    }
    uint64_t blocks = n_el / static_cast<uint64_t>(block_elements(t.type));
    if (blocks > std::numeric_limits<uint64_t>::max() / block_bytes(t.type)) {
      bad("tensor '" + t.name + "': size overflows");
    }
    t.n_bytes = blocks * block_bytes(t.type);
    if (!tensor_index_.emplace(t.name, tensors_.size()).second) {
      bad("duplicate tensor '" + t.name + "'");
    }
    tensors_.push_back(std::move(t));
  }

  uint64_t data_start = (r.pos() + alignment_ - 1) / alignment_ * alignment_;
  if (n_tensors > 0 && data_start > size_) bad("truncated before the tensor data");
  data_offset_ = data_start;
  for (GgufTensor& t : tensors_) {
    uint64_t avail = size_ > data_start ? size_ - data_start : 0;
    if (t.offset > avail || t.n_bytes > avail - t.offset) {
      bad("tensor '" + t.name + "': data [" + std::to_string(t.offset) + ", +" +
          std::to_string(t.n_bytes) + ") lies outside the file (data section holds " +
          std::to_string(avail) + " bytes)");
    }
    t.data = base_ + data_start + t.offset;
  }
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = metadata_.find(key);
  return it == metadata_.end() ? nullptr : &it->second;
}

const GgufTensor* GgufFile::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const GgufTensor& GgufFile::tensor(const std::string& name) const {
  const GgufTensor* t = find_tensor(name);
  if (!t) throw InputError(path_ + ": missing tensor '" + name + "'");
  return *t;
}

namespace {

// Runs `get` on the value, prefixing any type error with the file and key.
template <typename F>
auto typed(const std::string& path, const std::string& key, F get) -> decltype(get()) {
  try {
    return get();
  } catch (const InputError& e) {
    throw InputError(path + ": key '" + key + "': " + e.what());
  }
}

}  // namespace

std::string GgufFile::get_string(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) throw InputError(path_ + ": missing key '" + key + "'");
  return typed(path_, key, [&] { return v->as_string(); });
}

std::string GgufFile::get_string(const std::string& key, const std::string& fallback) const {
  const GgufValue* v = find(key);
  return v ? typed(path_, key, [&] { return v->as_string(); }) : fallback;
}

int64_t GgufFile::get_int(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) throw InputError(path_ + ": missing key '" + key + "'");
  return typed(path_, key, [&] { return v->as_int(); });
}

int64_t GgufFile::get_int(const std::string& key, int64_t fallback) const {
  const GgufValue* v = find(key);
  return v ? typed(path_, key, [&] { return v->as_int(); }) : fallback;
}

double GgufFile::get_float(const std::string& key, double fallback) const {
  const GgufValue* v = find(key);
  return v ? typed(path_, key, [&] { return v->as_float(); }) : fallback;
}

bool GgufFile::get_bool(const std::string& key, bool fallback) const {
  const GgufValue* v = find(key);
  return v ? typed(path_, key, [&] { return v->as_bool(); }) : fallback;
}

std::vector<std::string> GgufFile::get_strings(const std::string& key) const {
  std::vector<std::string> out;
  const GgufValue* v = find(key);
  if (!v) return out;
  typed(path_, key, [&] {
    for (const GgufValue& item : v->as_array().items) out.push_back(item.as_string());
    return 0;
  });
  return out;
}

std::vector<float> GgufFile::get_floats(const std::string& key) const {
  std::vector<float> out;
  const GgufValue* v = find(key);
  if (!v) return out;
  typed(path_, key, [&] {
    for (const GgufValue& item : v->as_array().items) {
      out.push_back(static_cast<float>(item.as_float()));
    }
    return 0;
  });
  return out;
}

std::vector<int32_t> GgufFile::get_ints(const std::string& key) const {
  std::vector<int32_t> out;
  const GgufValue* v = find(key);
  if (!v) return out;
  typed(path_, key, [&] {
    for (const GgufValue& item : v->as_array().items) {
      out.push_back(static_cast<int32_t>(item.as_int()));
    }
    return 0;
  });
  return out;
}

}  // namespace ys::engine
