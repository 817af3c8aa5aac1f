// Whole-file byte I/O for tests.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <vector>

#include "support/catch.h"
#include "util/file.h"

namespace wslmod::test {

inline void save_bytes(const std::filesystem::path& path, const std::vector<std::byte>& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    REQUIRE(out.good());
}

inline std::vector<std::byte> load_bytes(const std::filesystem::path& path) {
    auto bytes = util::read_bytes(path);
    REQUIRE(bytes);
    return *bytes;
}

} // namespace wslmod::test
