#include "util/decompress.h"

#include <cstring>
#include <memory>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

namespace wslmod::util {

bool looks_compressed(std::span<const std::byte> d) {
    auto starts = [&](std::initializer_list<unsigned> magic) {
        if (d.size() < magic.size()) return false;
        size_t i = 0;
        for (unsigned m : magic)
            if (std::to_integer<unsigned>(d[i++]) != m) return false;
        return true;
    };
    return starts({0x1f, 0x8b}) || starts({0xfd, '7', 'z', 'X', 'Z', 0}) ||
           starts({0x28, 0xb5, 0x2f, 0xfd}) || starts({0x04, 0x22, 0x4d, 0x18}) ||
           starts({0x02, 0x21, 0x4c, 0x18}) || starts({'B', 'Z', 'h'}) ||
           starts({0x5d, 0x00, 0x00});
}

Result<std::vector<std::byte>> decompress(std::span<const std::byte> data,
                                          const std::string& origin) {
    if (!looks_compressed(data))
        return bad_input("not compressed with gzip, xz, lzma, zstd, lz4 or bzip2", origin);
    std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
    archive_read_support_filter_all(a.get());
    archive_read_support_format_raw(a.get());
    if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK)
        return bad_input(fmt::format("cannot decompress: {}", archive_error_string(a.get())),
                         origin);
    archive_entry* entry = nullptr;
    if (archive_read_next_header(a.get(), &entry) != ARCHIVE_OK)
        return bad_input(fmt::format("cannot decompress: {}", archive_error_string(a.get())),
                         origin);
    std::vector<std::byte> out;
    std::vector<std::byte> buf(1 << 20);
    for (;;) {
        la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
        if (n == 0) break;
        if (n < 0)
            return bad_input(fmt::format("cannot decompress: {}", archive_error_string(a.get())),
                             origin);
        out.insert(out.end(), buf.begin(), buf.begin() + n);
    }
    return out;
}

Result<std::vector<std::byte>> plain_bytes(std::string_view data, const std::string& origin) {
    std::span<const std::byte> raw(reinterpret_cast<const std::byte*>(data.data()), data.size());
    if (looks_compressed(raw)) return decompress(raw, origin);
    return std::vector<std::byte>(raw.begin(), raw.end());
}

} // namespace wslmod::util
