// SHA-256 through OpenSSL's EVP interface, incrementally.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "util/error.h"

struct evp_md_ctx_st;

namespace wslmod::util {

using Digest = std::array<std::byte, 32>;

class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    Sha256& update(std::span<const std::byte> data);
    Sha256& update(std::string_view text);
    // The digest of everything passed so far; the object may not be updated afterwards.
    Digest finish();

  private:
    evp_md_ctx_st* ctx_;
};

// Lower-case hex of `digest`.
std::string to_hex(std::span<const std::byte> digest);

// Lower-case hex SHA-256 of `bytes` (what records keep to tell a file they wrote).
std::string sha256_hex(std::string_view bytes);

// SHA-256 of a file's contents, read in 1 MiB chunks.
Result<Digest> sha256_file(const std::filesystem::path& path);

} // namespace wslmod::util
