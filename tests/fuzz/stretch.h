// The "stretched" view of a fuzz input, shared by the fuzz target and its seed generator.
//
// VHDX places its log, BAT, metadata and payload blocks at 1 MiB boundaries, so a flat input
// under libFuzzer's -max_len=1 MiB can never get past the reader's region checks.  In the
// stretched view, the input's first 320 KiB are the file's first 320 KiB (file identifier,
// both headers, both region tables) and each further 128 KiB lands at the next MiB boundary,
// the rest being zeros: 1 MiB of input makes a 7 MiB file with a header section, log, BAT,
// metadata (table and items) and the starts of two 1 MiB payload blocks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

namespace wslmod::fuzz {

inline constexpr size_t kStretchHead = 320 * 1024;
inline constexpr size_t kStretchChunk = 128 * 1024;
inline constexpr size_t kStretchMiB = 1024 * 1024;

// The file that `input` stands for.
inline std::vector<std::byte> stretch(const uint8_t* input, size_t size) {
    size_t head = std::min(size, kStretchHead);
    size_t chunks = (size - head + kStretchChunk - 1) / kStretchChunk;
    std::vector<std::byte> file(chunks ? (chunks + 1) * kStretchMiB : head);
    if (head) std::memcpy(file.data(), input, head);
    for (size_t i = 0; i < chunks; ++i) {
        size_t from = head + i * kStretchChunk;
        std::memcpy(file.data() + (i + 1) * kStretchMiB, input + from,
                    std::min(kStretchChunk, size - from));
    }
    return file;
}

// The input whose stretched view is `image` (padded with zeros to whole MiB), or nothing when
// `image` holds data outside the kept ranges.
inline std::optional<std::vector<std::byte>> squeeze(const std::vector<std::byte>& image) {
    if (image.size() <= kStretchHead) return image;
    std::vector<std::byte> file = image;
    file.resize((file.size() + kStretchMiB - 1) / kStretchMiB * kStretchMiB);
    auto zero = [&](size_t from, size_t to) {
        return std::all_of(file.begin() + from, file.begin() + to,
                           [](std::byte b) { return b == std::byte{0}; });
    };
    if (!zero(kStretchHead, kStretchMiB)) return std::nullopt;
    std::vector<std::byte> out(file.begin(), file.begin() + kStretchHead);
    for (size_t at = kStretchMiB; at < file.size(); at += kStretchMiB) {
        if (!zero(at + kStretchChunk, at + kStretchMiB)) return std::nullopt;
        out.insert(out.end(), file.begin() + at, file.begin() + at + kStretchChunk);
    }
    return out;
}

} // namespace wslmod::fuzz
