#include "kernel/bzimage.h"

#include <cstring>

#include <fmt/format.h>

namespace wslmod::kernel {
namespace {

uint64_t le(std::span<const std::byte> d, size_t off, size_t width) {
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i)
        v |= std::to_integer<uint64_t>(d[off + i]) << (8 * i);
    return v;
}

} // namespace

util::Result<BzImageHeader> parse_bzimage(std::span<const std::byte> d, std::string_view origin) {
    std::string where(origin);
    const std::string hint = "pass the kernel image itself (bzImage / vmlinuz / WSL tools\\kernel)";
    if (d.size() < 0x250) return util::bad_input("too small to be a bzImage", where, hint);
    if (le(d, 0x1FE, 2) != 0xAA55 || std::memcmp(d.data() + 0x202, "HdrS", 4) != 0)
        return util::bad_input("no x86 boot header (missing HdrS magic)", where, hint);
    BzImageHeader h;
    h.protocol = static_cast<uint16_t>(le(d, 0x206, 2));
    if (h.protocol < 0x200)
        return util::bad_input(fmt::format("boot protocol {:#06x} is too old", h.protocol), where);

    uint64_t ver = le(d, 0x20E, 2) + 0x200;
    if (le(d, 0x20E, 2) == 0 || ver >= d.size())
        return util::bad_input("kernel_version offset points outside the file", where);
    auto end = ver;
    while (end < d.size() && d[end] != std::byte{0} && end - ver < 512)
        ++end;
    if (end == d.size() || d[end] != std::byte{0})
        return util::bad_input("kernel version string is not terminated", where);
    h.version_string.assign(reinterpret_cast<const char*>(d.data() + ver), end - ver);
    h.release = h.version_string.substr(0, h.version_string.find(' '));
    if (h.release.empty()) return util::bad_input("empty kernel version string", where);

    if (h.protocol >= 0x208) {
        uint64_t setup_sects = le(d, 0x1F1, 1);
        if (setup_sects == 0) setup_sects = 4;
        uint64_t base = (setup_sects + 1) * 512;
        uint64_t off = le(d, 0x248, 4), len = le(d, 0x24C, 4);
        if (base + off + len > d.size())
            return util::bad_input("payload extends past the end of the file", where,
                                   "the image is truncated");
        h.payload_offset = base + off;
        h.payload_length = len;
    }
    return h;
}

} // namespace wslmod::kernel
