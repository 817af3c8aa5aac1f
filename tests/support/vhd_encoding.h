// VHD (v1) structures encoded for tests and fuzz seeds: big-endian fields and the one's
// complement byte-sum checksum (layout: src/image/vhd_reader.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace wslmod::test {

inline void put_be(std::vector<std::byte>& d, size_t off, uint64_t v, size_t width) {
    for (size_t i = 0; i < width; ++i)
        d[off + i] = std::byte((v >> (8 * (width - 1 - i))) & 0xff);
}

// Stores the checksum of d[start, start + length) (with its field at `field` taken as zero).
inline void put_vhd_checksum(std::vector<std::byte>& d, size_t start, size_t length, size_t field) {
    uint32_t sum = 0;
    for (size_t i = 0; i < length; ++i)
        if (i < field || i >= field + 4) sum += static_cast<uint8_t>(d[start + i]);
    put_be(d, start + field, ~sum, 4);
}

// A 512-byte footer: `type` 2 fixed, 3 dynamic; `data_offset` ~0 for fixed disks.
inline std::vector<std::byte> vhd_footer(uint64_t size, uint32_t type, uint64_t data_offset,
                                         const char* creator = "") {
    std::vector<std::byte> f(512);
    std::memcpy(f.data(), "conectix", 8);
    put_be(f, 8, 2, 4);
    put_be(f, 12, 0x00010000, 4);
    put_be(f, 16, data_offset, 8);
    std::memcpy(f.data() + 28, creator, std::min<size_t>(4, std::strlen(creator)));
    put_be(f, 40, size, 8);
    put_be(f, 48, size, 8);
    put_be(f, 60, type, 4);
    put_vhd_checksum(f, 0, 512, 64);
    return f;
}

} // namespace wslmod::test
