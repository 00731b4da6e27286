// SHA-256 of dataset files, as their publishers and the catalogue (datasets/catalogue.yaml)
// state them.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace ys {

// SHA-256 (FIPS 180-4) of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

// SHA-256 of the bytes of the file at `path` (read in chunks; any size), as 64 lowercase hex
// digits. Throws InputError naming the file when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace ys
