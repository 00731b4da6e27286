#include "runners/engine/ggml_types.h"

namespace ys::engine {

bool is_supported_type(uint32_t raw) {
  switch (static_cast<GgmlType>(raw)) {
    case GgmlType::kF32:
    case GgmlType::kF16:
    case GgmlType::kBF16:
    case GgmlType::kQ8_0:
    case GgmlType::kQ4_0:
      return true;
  }
  return false;
}

int64_t block_elements(GgmlType type) {
  return type == GgmlType::kQ8_0 || type == GgmlType::kQ4_0 ? kQuantBlock : 1;
}

size_t block_bytes(GgmlType type) {
  switch (type) {
    case GgmlType::kF32:
      return 4;
    case GgmlType::kF16:
    case GgmlType::kBF16:
      return 2;
    case GgmlType::kQ8_0:
      return 2 + 32;
    case GgmlType::kQ4_0:
      return 2 + 16;
  }
  return 0;
}

size_t row_bytes(GgmlType type, int64_t n) {
  return static_cast<size_t>(n / block_elements(type)) * block_bytes(type);
}

std::string type_name(GgmlType type) {
  switch (type) {
    case GgmlType::kF32:
      return "F32";
    case GgmlType::kF16:
      return "F16";
    case GgmlType::kBF16:
      return "BF16";
    case GgmlType::kQ8_0:
      return "Q8_0";
    case GgmlType::kQ4_0:
      return "Q4_0";
  }
  return "type " + std::to_string(static_cast<uint32_t>(type));
}

}  // namespace ys::engine
