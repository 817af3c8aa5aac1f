// Whole-file I/O for tests: bytes and text, each failing the test when the file cannot be read.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/catch.h"
#include "util/file.h"

namespace wslmod::test {

inline void save_bytes(const std::filesystem::path& path, const std::vector<std::byte>& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
    REQUIRE(out.good());
}

inline std::vector<std::byte> load_bytes(const std::filesystem::path& path) {
    auto bytes = util::read_bytes(path);
    REQUIRE(bytes);
    return *bytes;
}

// The whole file at `path`, byte for byte (no newline translation); a file that cannot be
// opened fails the test, so that a missing output never compares equal to an empty string.
// For a file that may rightly be absent, use util::read_if_exists.
inline std::string read_text(const std::filesystem::path& path) {
    auto text = util::read_if_exists(path);
    INFO("cannot read " << path.string());
    REQUIRE(text);
    return *text;
}

} // namespace wslmod::test
