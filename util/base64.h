// Base64 with the standard alphabet and '=' padding (RFC 4648, section 4).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ys {

// Appends the base64 encoding of the `n` bytes at `p` to `out`.
void append_base64(std::string& out, const unsigned char* p, size_t n);

// The base64 encoding of `bytes`.
std::string base64_encode(std::string_view bytes);

// The bytes `text` encodes; nullopt when it is not padded base64 of the standard alphabet
// (its length a multiple of 4, '=' only as the last one or two characters).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ys
