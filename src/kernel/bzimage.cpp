#include "kernel/bzimage.h"

#include <cstring>

#include <fmt/format.h>

#include "util/decompress.h"

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

util::Result<std::vector<std::byte>> bzimage_vmlinux(std::span<const std::byte> bzimage,
                                                     std::string_view origin) {
    std::string where(origin);
    auto header = WSLMOD_TRY(parse_bzimage(bzimage, origin));
    if (header.payload_offset == 0)
        return util::bad_input(
            fmt::format("boot protocol {:#06x} predates payload fields", header.protocol), where);
    auto payload = bzimage.subspan(header.payload_offset, header.payload_length);
    if (payload.size() < 8) return util::bad_input("the compressed payload is empty", where);
    // x86's boot Makefile appends the uncompressed size (u32 LE) to every payload but gzip's,
    // whose own trailer ends with the same field.  Strip it and check the result against it.
    uint32_t expected = static_cast<uint32_t>(le(payload, payload.size() - 4, 4));
    bool gzip = payload[0] == std::byte{0x1f} && payload[1] == std::byte{0x8b};
    auto elf = WSLMOD_TRY(
        util::decompress(gzip ? payload : payload.first(payload.size() - 4), where + " (payload)"));
    if (static_cast<uint32_t>(elf.size()) != expected)
        return util::bad_input(
            fmt::format("the payload decompressed to {} bytes, its trailer says {}", elf.size(),
                        expected),
            where, "the kernel image is damaged");
    return elf;
}

} // namespace wslmod::kernel
