#include "image/vhdx_format.h"

#include <cstring>

#include <ext2fs/ext2fs.h>
#include <fmt/format.h>

namespace wslmod::image::vhdx {
namespace {

int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void put_guid(std::span<std::byte> d, size_t off, const Guid& g) {
    std::memcpy(d.data() + off, g.data(), 16);
}
Guid get_guid(std::span<const std::byte> d, size_t off) {
    Guid g;
    std::memcpy(g.data(), d.data() + off, 16);
    return g;
}

uint32_t checksum_with_field_zeroed(std::span<const std::byte> in, size_t field) {
    std::vector<std::byte> copy(in.begin(), in.end());
    std::memset(copy.data() + field, 0, 4);
    return crc32c(copy);
}

} // namespace

uint64_t load_le(std::span<const std::byte> d, size_t off, size_t width) {
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i)
        v |= std::to_integer<uint64_t>(d[off + i]) << (8 * i);
    return v;
}

void store_le(std::span<std::byte> d, size_t off, uint64_t v, size_t width) {
    for (size_t i = 0; i < width; ++i)
        d[off + i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
}

Guid guid_from_string(const std::string& s) {
    // Textual order: Data1(8) - Data2(4) - Data3(4) - Data4(4) - Data4(12).
    std::string hex;
    for (char c : s)
        if (c != '-') hex += c;
    std::array<uint8_t, 16> be{};
    for (size_t i = 0; i < 16 && 2 * i + 1 < hex.size(); ++i)
        be[i] = static_cast<uint8_t>(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]));
    Guid g;
    const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    for (int i = 0; i < 16; ++i)
        g[static_cast<size_t>(i)] = std::byte{be[static_cast<size_t>(order[i])]};
    return g;
}

std::string guid_to_string(const Guid& g) {
    auto b = [&](size_t i) { return std::to_integer<unsigned>(g[i]); };
    return fmt::format("{:02X}{:02X}{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-"
                       "{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
                       b(3), b(2), b(1), b(0), b(5), b(4), b(7), b(6), b(8), b(9), b(10), b(11),
                       b(12), b(13), b(14), b(15));
}

bool is_zero(const Guid& g) {
    for (auto x : g)
        if (x != std::byte{0}) return false;
    return true;
}

const Guid bat_region = guid_from_string("2DC27766-F623-4200-9D64-115E9BFD4A08");
const Guid metadata_region = guid_from_string("8B7CA206-4790-4B9A-B8FE-575F050F886E");
const Guid file_parameters_item = guid_from_string("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
const Guid virtual_disk_size_item = guid_from_string("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
const Guid page83_item = guid_from_string("BECA12AB-B2E6-4523-93EF-C309E000C746");
const Guid logical_sector_size_item = guid_from_string("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");
const Guid physical_sector_size_item = guid_from_string("CDA348C7-445D-4471-9CC9-E9885251C556");
const Guid parent_locator_item = guid_from_string("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");

uint32_t crc32c(std::span<const std::byte> data) {
    // libext2fs exports the CRC-32C it uses for metadata_csum; VHDX adds the final inversion.
    return ext2fs_crc32c_le(0xFFFFFFFFu, reinterpret_cast<const unsigned char*>(data.data()),
                            data.size()) ^
           0xFFFFFFFFu;
}

void encode_header(const Header& h, std::span<std::byte> out) {
    std::memset(out.data(), 0, header_size);
    std::memcpy(out.data(), "head", 4);
    store_le(out, 8, h.sequence, 8);
    put_guid(out, 16, h.file_write);
    put_guid(out, 32, h.data_write);
    put_guid(out, 48, h.log);
    store_le(out, 64, h.log_version, 2);
    store_le(out, 66, h.version, 2);
    store_le(out, 68, h.log_length, 4);
    store_le(out, 72, h.log_offset, 8);
    store_le(out, 4, crc32c(out.first(header_size)), 4);
}

util::Result<Header> decode_header(std::span<const std::byte> in) {
    if (in.size() < header_size) return util::bad_input("header is truncated");
    in = in.first(header_size);
    if (std::memcmp(in.data(), "head", 4) != 0)
        return util::bad_input("header signature is not 'head'");
    if (load_le(in, 4, 4) != checksum_with_field_zeroed(in, 4))
        return util::bad_input("header checksum mismatch");
    Header h;
    h.sequence = load_le(in, 8, 8);
    h.file_write = get_guid(in, 16);
    h.data_write = get_guid(in, 32);
    h.log = get_guid(in, 48);
    h.log_version = static_cast<uint16_t>(load_le(in, 64, 2));
    h.version = static_cast<uint16_t>(load_le(in, 66, 2));
    h.log_length = static_cast<uint32_t>(load_le(in, 68, 4));
    h.log_offset = load_le(in, 72, 8);
    if (h.version != 1)
        return util::bad_input(fmt::format("unsupported header version {}", h.version));
    return h;
}

void encode_region_table(const std::vector<RegionEntry>& entries, std::span<std::byte> out) {
    std::memset(out.data(), 0, region_table_size);
    std::memcpy(out.data(), "regi", 4);
    store_le(out, 8, entries.size(), 4);
    for (size_t i = 0; i < entries.size(); ++i) {
        size_t off = 16 + 32 * i;
        put_guid(out, off, entries[i].guid);
        store_le(out, off + 16, entries[i].offset, 8);
        store_le(out, off + 24, entries[i].length, 4);
        store_le(out, off + 28, entries[i].required ? 1 : 0, 4);
    }
    store_le(out, 4, crc32c(out.first(region_table_size)), 4);
}

util::Result<std::vector<RegionEntry>> decode_region_table(std::span<const std::byte> in) {
    if (in.size() < region_table_size) return util::bad_input("region table is truncated");
    in = in.first(region_table_size);
    if (std::memcmp(in.data(), "regi", 4) != 0)
        return util::bad_input("region table signature is not 'regi'");
    if (load_le(in, 4, 4) != checksum_with_field_zeroed(in, 4))
        return util::bad_input("region table checksum mismatch");
    uint64_t count = load_le(in, 8, 4);
    if (count > max_entries)
        return util::bad_input(
            fmt::format("region table claims {} entries (at most {})", count, max_entries));
    std::vector<RegionEntry> out;
    for (size_t i = 0; i < count; ++i) {
        size_t off = 16 + 32 * i;
        out.push_back({get_guid(in, off), load_le(in, off + 16, 8),
                       static_cast<uint32_t>(load_le(in, off + 24, 4)),
                       (load_le(in, off + 28, 4) & 1) != 0});
    }
    return out;
}

void encode_metadata_table(const std::vector<MetadataEntry>& entries, std::span<std::byte> out) {
    std::memset(out.data(), 0, metadata_table_size);
    std::memcpy(out.data(), "metadata", 8);
    store_le(out, 10, entries.size(), 2);
    for (size_t i = 0; i < entries.size(); ++i) {
        size_t off = 32 + 32 * i;
        const auto& e = entries[i];
        put_guid(out, off, e.item);
        store_le(out, off + 16, e.offset, 4);
        store_le(out, off + 20, e.length, 4);
        store_le(out, off + 24,
                 (e.is_user ? 1u : 0u) | (e.is_virtual_disk ? 2u : 0u) | (e.is_required ? 4u : 0u),
                 4);
    }
}

util::Result<std::vector<MetadataEntry>> decode_metadata_table(std::span<const std::byte> in) {
    if (in.size() < metadata_table_size) return util::bad_input("metadata table is truncated");
    if (std::memcmp(in.data(), "metadata", 8) != 0)
        return util::bad_input("metadata table signature is not 'metadata'");
    uint64_t count = load_le(in, 10, 2);
    if (count > max_entries)
        return util::bad_input(
            fmt::format("metadata table claims {} entries (at most {})", count, max_entries));
    std::vector<MetadataEntry> out;
    for (size_t i = 0; i < count; ++i) {
        size_t off = 32 + 32 * i;
        uint64_t flags = load_le(in, off + 24, 4);
        out.push_back({get_guid(in, off), static_cast<uint32_t>(load_le(in, off + 16, 4)),
                       static_cast<uint32_t>(load_le(in, off + 20, 4)), (flags & 1) != 0,
                       (flags & 2) != 0, (flags & 4) != 0});
    }
    return out;
}

util::Result<Geometry> make_geometry(uint64_t virtual_size, uint64_t block_size,
                                     uint64_t logical_sector) {
    if (block_size < min_block_size || block_size > max_block_size ||
        (block_size & (block_size - 1)) != 0)
        return util::bad_input(
            fmt::format("block size {} is not a power of two from 1 to 256 MiB", block_size));
    if (logical_sector != 512 && logical_sector != 4096)
        return util::bad_input(
            fmt::format("logical sector size {} is not 512 or 4096", logical_sector));
    if (virtual_size == 0 || virtual_size % logical_sector != 0 ||
        virtual_size > (uint64_t{64} << 40))
        return util::bad_input(fmt::format("virtual disk size {} is not a non-zero multiple of the "
                                           "sector size up to 64 TiB",
                                           virtual_size));
    Geometry g;
    g.virtual_size = virtual_size;
    g.block_size = static_cast<uint32_t>(block_size);
    g.logical_sector = static_cast<uint32_t>(logical_sector);
    g.chunk_ratio = (uint64_t{1} << 23) * logical_sector / block_size;
    g.payload_blocks = (virtual_size + block_size - 1) / block_size;
    g.bat_entries = g.payload_blocks + (g.payload_blocks - 1) / g.chunk_ratio;
    return g;
}

} // namespace wslmod::image::vhdx
