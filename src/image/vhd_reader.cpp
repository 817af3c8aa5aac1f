#include "image/vhd_reader.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace wslmod::image {
namespace {

constexpr uint64_t kSector = 512;
constexpr size_t kFooterSize = 512;
constexpr size_t kHeaderSize = 1024;
constexpr uint32_t kTypeFixed = 2, kTypeDynamic = 3, kTypeDifferencing = 4;
constexpr uint32_t kUnallocated = 0xFFFFFFFF;
// The specification's default is 2 MiB; the limits only keep hostile values from turning into
// giant allocations or reads.
constexpr uint32_t kMinBlock = 512, kMaxBlock = 256u << 20;

uint32_t be32(std::span<const std::byte> d, size_t off) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i)
        v = (v << 8) | static_cast<uint8_t>(d[off + i]);
    return v;
}

uint64_t be64(std::span<const std::byte> d, size_t off) {
    return (uint64_t{be32(d, off)} << 32) | be32(d, off + 4);
}

// One's complement of the byte sum, with the 4-byte checksum field at `field` counted as zero.
uint32_t vhd_checksum(std::span<const std::byte> d, size_t field) {
    uint32_t sum = 0;
    for (size_t i = 0; i < d.size(); ++i)
        if (i < field || i >= field + 4) sum += static_cast<uint8_t>(d[i]);
    return ~sum;
}

// Compares the checksum stored at `field` of a footer or header with the computed one.
util::Result<void> check_checksum(std::span<const std::byte> d, size_t field, const char* what,
                                  const std::string& where) {
    uint32_t stored = be32(d, field), computed = vhd_checksum(d, field);
    if (stored != computed)
        return util::bad_input(
            fmt::format("{} checksum mismatch (stored {:#010x}, computed {:#010x})", what, stored,
                        computed),
            where, "the file is corrupt");
    return {};
}

// True when [offset, offset + length) lies inside a file of `size` bytes, without overflow.
bool inside(uint64_t offset, uint64_t length, uint64_t size) {
    return offset <= size && length <= size - offset;
}

struct Footer {
    uint32_t type = 0;
    uint64_t data_offset = 0;
    uint64_t current_size = 0;
};

// Finds and checks the footer: the last 512 bytes, or the last 511 of some old files.
util::Result<Footer> read_footer(BlockDevice& file, const std::string& origin) {
    uint64_t size = file.size();
    if (size < kFooterSize - 1)
        return util::bad_input(fmt::format("file of {} bytes is too small for a VHD footer", size),
                               origin, "not a VHD file, or a truncated one");
    std::vector<std::byte> f(kFooterSize);
    size_t length = kFooterSize;
    if (size >= kFooterSize) WSLMOD_CHECK(file.pread(size - kFooterSize, f));
    if (size < kFooterSize || std::memcmp(f.data(), "conectix", 8) != 0) {
        length = kFooterSize - 1;
        std::fill(f.begin(), f.end(), std::byte{0});
        WSLMOD_CHECK(file.pread(size - length, std::span(f).first(length)));
        if (std::memcmp(f.data(), "conectix", 8) != 0)
            return util::bad_input("no VHD footer (cookie \"conectix\") at the end of the file",
                                   origin, "not a VHD file, or a truncated one");
    }
    WSLMOD_CHECK(check_checksum(f, 64, "VHD footer", origin));
    Footer footer{be32(f, 60), be64(f, 16), be64(f, 48)};
    if (footer.type == kTypeDifferencing)
        return util::bad_input("differencing VHD disks are not supported", origin,
                               "wslmod reads only fixed and dynamic VHD");
    if (footer.type != kTypeFixed && footer.type != kTypeDynamic)
        return util::bad_input(fmt::format("unknown VHD disk type {}", footer.type), origin,
                               "wslmod reads only fixed and dynamic VHD");
    if (footer.current_size == 0) return util::bad_input("VHD virtual disk size is 0", origin);
    if (footer.type == kTypeFixed && footer.current_size > size - length)
        return util::bad_input(fmt::format("fixed VHD claims {} bytes of data, but the file holds "
                                           "only {}",
                                           footer.current_size, size - length),
                               origin, "the file is truncated");
    return footer;
}

// Reads `out` from offset `in_block` of the allocated block whose bitmap starts at byte
// `bitmap_at`.  Sectors whose bitmap bit is clear were never written and read as zeros; runs of
// sectors with the same bit are handled together, so a fully written range is one read.
util::Result<void> read_block(BlockDevice& file, uint64_t bitmap_at, uint32_t bitmap_bytes,
                              uint32_t in_block, std::span<std::byte> out) {
    uint32_t first = in_block / kSector;
    uint32_t last = static_cast<uint32_t>((in_block + out.size() - 1) / kSector);
    std::vector<std::byte> bits(last / 8 - first / 8 + 1);
    WSLMOD_CHECK(file.pread(bitmap_at + first / 8, bits));
    auto written = [&](uint32_t s) {
        // The bitmap is big-endian: the top bit of byte 0 is the block's first sector.
        return (static_cast<uint8_t>(bits[s / 8 - first / 8]) & (0x80u >> (s % 8))) != 0;
    };
    uint64_t data_at = bitmap_at + bitmap_bytes;
    size_t pos = 0;
    while (pos < out.size()) {
        uint32_t s = static_cast<uint32_t>((in_block + pos) / kSector);
        bool w = written(s);
        uint32_t e = s;
        while (e < last && written(e + 1) == w)
            ++e;
        size_t end = std::min<uint64_t>(out.size(), (uint64_t{e} + 1) * kSector - in_block);
        auto run = out.subspan(pos, end - pos);
        if (w)
            WSLMOD_CHECK(file.pread(data_at + in_block + pos, run));
        else
            std::fill(run.begin(), run.end(), std::byte{0});
        pos = end;
    }
    return {};
}

} // namespace

util::Result<std::unique_ptr<VhdReader>> VhdReader::open(BlockDevice& file, std::string origin) {
    auto footer = WSLMOD_TRY(read_footer(file, origin));
    std::unique_ptr<VhdReader> r(new VhdReader(file, std::move(origin)));
    r->size_ = footer.current_size;
    if (footer.type == kTypeFixed) {
        r->type_ = Type::fixed;
        return r;
    }
    r->type_ = Type::dynamic;
    const std::string& where = r->origin_;
    uint64_t file_size = file.size();

    if (!inside(footer.data_offset, kHeaderSize, file_size))
        return util::bad_input(fmt::format("dynamic disk header at offset {} is past the end of "
                                           "the file ({} bytes)",
                                           footer.data_offset, file_size),
                               where, "the file is truncated or corrupt");
    std::vector<std::byte> h(kHeaderSize);
    WSLMOD_CHECK(file.pread(footer.data_offset, h));
    if (std::memcmp(h.data(), "cxsparse", 8) != 0)
        return util::bad_input(fmt::format("no dynamic disk header (cookie \"cxsparse\") at offset "
                                           "{}",
                                           footer.data_offset),
                               where, "the file is corrupt");
    WSLMOD_CHECK(check_checksum(h, 36, "dynamic disk header", where));
    uint64_t table_offset = be64(h, 16);
    uint32_t max_entries = be32(h, 28);
    uint32_t block = be32(h, 32);
    if (block < kMinBlock || block > kMaxBlock || (block & (block - 1)) != 0)
        return util::bad_input(fmt::format("dynamic disk block size {} is not a power of two "
                                           "between {} and {}",
                                           block, kMinBlock, kMaxBlock),
                               where, "the file is corrupt");
    uint64_t needed = r->size_ / block + (r->size_ % block != 0);
    if (needed > max_entries)
        return util::bad_input(fmt::format("block table has {} entries, but {} bytes in blocks of "
                                           "{} need {}",
                                           max_entries, r->size_, block, needed),
                               where, "the file is corrupt");
    if (!inside(table_offset, uint64_t{max_entries} * 4, file_size))
        return util::bad_input(fmt::format("block table of {} entries at offset {} is past the "
                                           "end of the file ({} bytes)",
                                           max_entries, table_offset, file_size),
                               where, "the file is truncated or corrupt");
    r->block_size_ = block;
    // One bit per sector, rounded up to whole sectors.
    uint32_t bitmap = (block / kSector + 7) / 8;
    r->bitmap_bytes_ = static_cast<uint32_t>((bitmap + kSector - 1) / kSector * kSector);

    // Only the entries that cover the virtual size can ever be read; the table bound above keeps
    // this allocation below the file size.
    std::vector<std::byte> table(needed * 4);
    WSLMOD_CHECK(file.pread(table_offset, table));
    r->bat_.resize(needed);
    for (uint64_t i = 0; i < needed; ++i) {
        uint32_t entry = be32(table, i * 4);
        r->bat_[i] = entry;
        if (entry == kUnallocated) continue;
        if (!inside(uint64_t{entry} * kSector, uint64_t{r->bitmap_bytes_} + block, file_size))
            return util::bad_input(fmt::format("block {} at sector {} is past the end of the file "
                                               "({} bytes)",
                                               i, entry, file_size),
                                   where, "the file is truncated or corrupt");
    }
    return r;
}

util::Result<void> VhdReader::pread(uint64_t offset, std::span<std::byte> out) {
    if (!inside(offset, out.size(), size_))
        return util::fail(fmt::format("read of {} bytes at offset {} is past the end of the "
                                      "virtual disk ({} bytes)",
                                      out.size(), offset, size_),
                          origin_);
    if (type_ == Type::fixed) return file_.pread(offset, out);
    while (!out.empty()) {
        uint64_t index = offset / block_size_;
        auto in_block = static_cast<uint32_t>(offset % block_size_);
        size_t n = std::min<uint64_t>(out.size(), block_size_ - in_block);
        auto chunk = out.first(n);
        if (bat_[index] == kUnallocated)
            std::fill(chunk.begin(), chunk.end(), std::byte{0});
        else
            WSLMOD_CHECK(
                read_block(file_, uint64_t{bat_[index]} * kSector, bitmap_bytes_, in_block, chunk));
        offset += n;
        out = out.subspan(n);
    }
    return {};
}

util::Result<void> VhdReader::pwrite(uint64_t, std::span<const std::byte>) {
    return util::fail("VHD images are opened read-only", origin_);
}

} // namespace wslmod::image
