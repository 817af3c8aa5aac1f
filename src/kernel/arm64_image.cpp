#include "kernel/arm64_image.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include <fmt/format.h>

namespace wslmod::kernel {
namespace {

constexpr uint32_t arm64_magic = 0x644d5241; // "ARM\x64"
constexpr size_t entry = 12;
constexpr size_t min_entries = 64;

uint64_t le(std::span<const std::byte> d, size_t off, size_t width) {
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i)
        v |= std::to_integer<uint64_t>(d[off + i]) << (8 * i);
    return v;
}

int32_t s32(std::span<const std::byte> d, size_t off) {
    return static_cast<int32_t>(static_cast<uint32_t>(le(d, off, 4)));
}

bool ident_start(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool ident_char(unsigned char c) {
    return ident_start(c) || (c >= '0' && c <= '9') || c == '.';
}

// The identifier at file offset `at`, ended by NUL within 255 bytes; empty when there is none.
std::string_view identifier_at(std::span<const std::byte> d, uint64_t at) {
    if (at >= d.size()) return {};
    auto* p = reinterpret_cast<const unsigned char*>(d.data());
    if (!ident_start(p[at])) return {};
    uint64_t end = at, limit = std::min<uint64_t>(d.size(), at + 256);
    while (end < limit && ident_char(p[end]))
        ++end;
    if (end == limit || p[end] != 0) return {};
    return {reinterpret_cast<const char*>(p + at), static_cast<size_t>(end - at)};
}

// The printable string (no spaces) at `at`, ended by NUL within 255 bytes: a namespace, which
// may be more than an identifier ("module:kvm" from EXPORT_SYMBOL_GPL_FOR_MODULES).
std::string_view word_at(std::span<const std::byte> d, uint64_t at) {
    auto* p = reinterpret_cast<const unsigned char*>(d.data());
    uint64_t end = at, limit = std::min<uint64_t>(d.size(), at + 256);
    while (end < limit && p[end] > 0x20 && p[end] < 0x7f)
        ++end;
    if (end == at || end == limit || p[end] != 0) return {};
    return {reinterpret_cast<const char*>(p + at), static_cast<size_t>(end - at)};
}

// Where a PREL32 field at file offset `field` points, or nothing outside the file.
std::optional<uint64_t> target(std::span<const std::byte> d, uint64_t field) {
    int64_t t = static_cast<int64_t>(field) + s32(d, field);
    if (t < 0 || static_cast<uint64_t>(t) >= d.size()) return std::nullopt;
    return static_cast<uint64_t>(t);
}

} // namespace

bool is_arm64_image(std::span<const std::byte> d) {
    return d.size() >= 64 && le(d, 0x38, 4) == arm64_magic;
}

util::Result<Arm64ImageHeader> parse_arm64_image(std::span<const std::byte> d,
                                                 std::string_view origin) {
    std::string where(origin);
    if (!is_arm64_image(d))
        return util::bad_input(
            "no arm64 Image header (missing the ARM\\x64 magic at 0x38)", where,
            "pass the kernel image itself (Image / vmlinuz / WSL tools\\kernel)");
    Arm64ImageHeader h;
    h.text_offset = le(d, 0x08, 8);
    h.image_size = le(d, 0x10, 8);
    h.flags = le(d, 0x18, 8);
    if (h.flags & 1) return util::bad_input("a big-endian arm64 kernel", where);
    // linux_banner: "Linux version <release> (<builder>) ..."
    const std::string_view needle = "Linux version ";
    std::string_view text(reinterpret_cast<const char*>(d.data()), d.size());
    for (size_t at = text.find(needle); at != std::string_view::npos;
         at = text.find(needle, at + 1)) {
        auto rest = text.substr(at + needle.size(), 512);
        auto nul = rest.find('\0');
        if (nul == std::string_view::npos) continue;
        rest = rest.substr(0, nul);
        auto space = rest.find(' ');
        if (space == 0 || space == std::string_view::npos || rest.substr(space, 2) != " (")
            continue; // a format string ("Linux version %s ..."), not the banner
        if (rest.substr(0, space).find('%') != std::string_view::npos) continue;
        // In the form a bzImage's header has (UTS_RELEASE (BY@HOST) UTS_VERSION), which is what
        // the release and source checks read: the banner's "(compiler, linker)" group goes.
        std::string v(rest);
        while (!v.empty() && v.back() == '\n')
            v.pop_back();
        if (auto by = v.find(") (", space); by != std::string::npos) {
            size_t depth = 0, end = by + 2;
            for (; end < v.size(); ++end) {
                if (v[end] == '(') ++depth;
                if (v[end] == ')' && --depth == 0) break;
            }
            if (end < v.size()) v.erase(by + 1, end - by);
        }
        h.version_string = v;
        h.release = std::string(rest.substr(0, space));
        return h;
    }
    return util::bad_input("no \"Linux version\" banner in the image", where,
                           "the kernel image is damaged, or compressed: pass the Image itself");
}

util::Result<std::vector<Export>> arm64_image_exports(std::span<const std::byte> d,
                                                      const std::string& origin) {
    const std::string hint = "pass --symvers FILE with the kernel's own Module.symvers";
    if (!is_arm64_image(d)) return util::bad_input("not an arm64 Image", origin);
    // 1. The longest run of candidate entries 12 bytes apart (one run length per p mod 12).
    std::array<size_t, 3> run{};
    size_t best = 0, best_last = 0;
    for (uint64_t p = 0; p + entry <= d.size(); p += 4) {
        auto t = target(d, p + 4);
        bool ok = t && !identifier_at(d, *t).empty();
        auto& r = run[(p / 4) % 3];
        r = ok ? r + 1 : 0;
        if (r > best) {
            best = r;
            best_last = p;
        }
    }
    if (best < min_entries)
        return util::bad_input(
            fmt::format("no table of exported symbols found (the longest run is {} entries)", best),
            origin, hint);
    uint64_t start = best_last - (best - 1) * entry;
    // 2. The strings start 16 bytes per entry after the start.  Data that happens to look like
    // an entry at either end of the run fails this, so a few are trimmed off and tried again.
    for (size_t front = 0; front < 3; ++front) {
        for (size_t back = 0; back < 3 && front + back + min_entries <= best; ++back) {
            uint64_t first = start + front * entry;
            size_t count = best - front - back;
            uint64_t lowest = UINT64_MAX;
            for (size_t i = 0; i < count; ++i) {
                lowest = std::min(lowest, *target(d, first + i * entry + 4));
                if (s32(d, first + i * entry + 8) != 0)
                    if (auto ns = target(d, first + i * entry + 8)) lowest = std::min(lowest, *ns);
            }
            if (lowest != first + count * (entry + 4)) continue;
            // 3. One break in name order: ksymtab, then ksymtab_gpl.
            std::vector<std::string_view> names(count);
            for (size_t i = 0; i < count; ++i)
                names[i] = identifier_at(d, *target(d, first + i * entry + 4));
            std::vector<size_t> breaks;
            for (size_t i = 1; i < count; ++i)
                if (names[i] < names[i - 1]) breaks.push_back(i);
            if (breaks.size() != 1)
                return util::bad_input(
                    fmt::format("the {} exported symbols are sorted in {} runs, not 2 (ksymtab "
                                "and ksymtab_gpl)",
                                count, breaks.size() + 1),
                    origin, hint);
            // 4. CRCs after the run; namespaces.
            uint64_t crcs = first + count * entry;
            std::vector<Export> out;
            out.reserve(count);
            for (size_t i = 0; i < count; ++i) {
                uint64_t field = first + i * entry + 8;
                std::string ns;
                if (s32(d, field) != 0) {
                    auto t = target(d, field);
                    bool empty = t && d[*t] == std::byte{0};
                    if (!t || (!empty && word_at(d, *t).empty()))
                        return util::bad_input(
                            fmt::format("the namespace of {} is not a string", names[i]), origin,
                            hint);
                    if (!empty) ns = std::string(word_at(d, *t));
                }
                out.push_back({std::string(names[i]), static_cast<uint32_t>(le(d, crcs + i * 4, 4)),
                               i >= breaks[0], std::move(ns)});
            }
            return out;
        }
    }
    return util::bad_input(
        fmt::format("a run of {} symbol entries at {:#x} is not followed by its CRCs and strings",
                    best, start),
        origin, hint);
}

} // namespace wslmod::kernel
