#include "runners/engine/format/ggml_types.h"

namespace ys::engine {

bool is_supported_type(uint32_t raw) {
  switch (static_cast<GgmlType>(raw)) {
    case GgmlType::kF32:
    case GgmlType::kF16:
    case GgmlType::kBF16:
    case GgmlType::kQ8_0:
    case GgmlType::kQ4_0:
    case GgmlType::kQ4_K:
    case GgmlType::kQ5_K:
    case GgmlType::kQ6_K:
      return true;
  }
  return false;
}

bool is_k_quant(GgmlType type) {
  return type == GgmlType::kQ4_K || type == GgmlType::kQ5_K || type == GgmlType::kQ6_K;
}

int64_t block_elements(GgmlType type) {
  if (is_k_quant(type)) return kSuperBlock;
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
    case GgmlType::kQ4_K:
      return 2 + 2 + 12 + 128;
    case GgmlType::kQ5_K:
      return 2 + 2 + 12 + 32 + 128;
    case GgmlType::kQ6_K:
      return 128 + 64 + 16 + 2;
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
    case GgmlType::kQ4_K:
      return "Q4_K";
    case GgmlType::kQ5_K:
      return "Q5_K";
    case GgmlType::kQ6_K:
      return "Q6_K";
  }
  return "type " + std::to_string(static_cast<uint32_t>(type));
}

}  // namespace ys::engine
