// MS-VHDX on-disk structures, encoded and decoded on memory (no I/O here).
// Facts and sources: ../shared/notes/vhdx-format.md (MS-VHDX spec 2.2-2.6, QEMU block/vhdx.*).
// All integers little-endian; GUIDs in Microsoft binary form (Data1 u32 LE, Data2 u16 LE,
// Data3 u16 LE, Data4[8] as is).  Checksums are CRC-32C over the structure with its checksum
// field zeroed.
//
// File layout of a dynamic VHDX as wslmod writes it:
//   0x000000  64 KiB  File Type Identifier  "vhdxfile", creator (UTF-16LE, 512 B)
//   0x010000   4 KiB  Header 1              (see Header)
//   0x020000   4 KiB  Header 2
//   0x030000  64 KiB  Region Table 1        (see RegionEntry)
//   0x040000  64 KiB  Region Table 2        identical copy
//   0x100000   1 MiB  Log                   zeros; LogGuid = 0 means nothing to replay
//   0x200000   n MiB  BAT region            u64 entries (see bat_entry)
//   after      1 MiB  Metadata region       table (64 KiB) then the five required items
//   after      BlockSize each               payload blocks, 1 MiB aligned
//
// Header (4 KiB, CRC over all of it):
//   +0  u32 signature "head"   +4 u32 checksum   +8 u64 sequence number (higher wins)
//   +16 GUID file write        +32 GUID data write  +48 GUID log (0: no log to replay)
//   +64 u16 log version (0)    +66 u16 version (1)  +68 u32 log length (MiB multiple)
//   +72 u64 log offset (MiB multiple, >= 1 MiB)     +80 reserved zeros
// Region table (64 KiB, CRC over all of it):
//   +0 u32 signature "regi"  +4 u32 checksum  +8 u32 entry count (<= 2047)  +12 u32 reserved
//   entries at +16 + 32*i: GUID, u64 file offset (MiB multiple), u32 length (MiB multiple),
//   u32 flags (bit 0: required)
// Metadata table (first 64 KiB of the metadata region, no checksum):
//   +0 u64 signature "metadata"  +8 u16 reserved  +10 u16 entry count (<= 2047)  +12 20 B zero
//   entries at +32 + 32*i: GUID item, u32 offset (>= 64 KiB, from region start), u32 length,
//   u32 flags (bit 0 IsUser, bit 1 IsVirtualDisk, bit 2 IsRequired), u32 reserved
// Metadata items: File Parameters {u32 block size, u32 flags: bit 0 LeaveBlockAllocated,
//   bit 1 HasParent}, Virtual Disk Size u64, Page 83 Data GUID, Logical Sector Size u32,
//   Physical Sector Size u32.
// BAT entry (u64): bits 0-2 state, bits 20-63 file offset in MiB.  Payload entries and
//   sector-bitmap entries interleave: after every `chunk_ratio` payload entries comes one
//   sector-bitmap entry, chunk_ratio = 2^23 * logical sector size / block size.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::image::vhdx {

constexpr uint64_t KiB = 1024, MiB = 1024 * 1024;
constexpr uint64_t header1_offset = 64 * KiB, header2_offset = 128 * KiB;
constexpr uint64_t region1_offset = 192 * KiB, region2_offset = 256 * KiB;
constexpr size_t header_size = 4 * KiB, region_table_size = 64 * KiB;
constexpr size_t metadata_table_size = 64 * KiB;
constexpr uint32_t max_entries = 2047;
constexpr uint64_t min_block_size = MiB, max_block_size = 256 * MiB;

using Guid = std::array<std::byte, 16>;

// Parses "2DC27766-F623-4200-9D64-115E9BFD4A08" into on-disk form (constexpr-friendly callers
// use the named constants below).
Guid guid_from_string(const std::string& text);
std::string guid_to_string(const Guid& g);
bool is_zero(const Guid& g);

extern const Guid bat_region, metadata_region;
extern const Guid file_parameters_item, virtual_disk_size_item, page83_item,
    logical_sector_size_item, physical_sector_size_item, parent_locator_item;

// CRC-32C (Castagnoli) as VHDX uses it: init and final xor 0xFFFFFFFF.
uint32_t crc32c(std::span<const std::byte> data);

struct Header {
    uint64_t sequence = 0;
    Guid file_write{}, data_write{}, log{};
    uint16_t log_version = 0, version = 1;
    uint32_t log_length = MiB;
    uint64_t log_offset = MiB;
};
// Writes `h` with its checksum into `out` (header_size bytes).
void encode_header(const Header& h, std::span<std::byte> out);
// Decodes a header; fails on a bad signature, checksum or version.
util::Result<Header> decode_header(std::span<const std::byte> in);

struct RegionEntry {
    Guid guid{};
    uint64_t offset = 0;
    uint32_t length = 0;
    bool required = true;
};
void encode_region_table(const std::vector<RegionEntry>& entries, std::span<std::byte> out);
util::Result<std::vector<RegionEntry>> decode_region_table(std::span<const std::byte> in);

struct MetadataEntry {
    Guid item{};
    uint32_t offset = 0, length = 0;
    bool is_user = false, is_virtual_disk = false, is_required = false;
};
void encode_metadata_table(const std::vector<MetadataEntry>& entries, std::span<std::byte> out);
util::Result<std::vector<MetadataEntry>> decode_metadata_table(std::span<const std::byte> in);

// BAT states (MS-VHDX 2.5.1.1 / 2.5.1.2).
enum class BatState : uint8_t {
    not_present = 0,
    undefined = 1,
    zero = 2,
    unmapped = 3,
    unmapped_v095 = 5,
    fully_present = 6,
    partially_present = 7,
};
constexpr uint64_t bat_entry(BatState state, uint64_t file_offset) {
    return (file_offset & ~uint64_t{0xFFFFF}) | static_cast<uint64_t>(state);
}
constexpr BatState bat_state(uint64_t entry) {
    return static_cast<BatState>(entry & 7);
}
constexpr uint64_t bat_offset(uint64_t entry) {
    return entry & ~uint64_t{0xFFFFF};
}

// Geometry derived from the virtual size, block size and logical sector size.
struct Geometry {
    uint64_t virtual_size = 0;
    uint32_t block_size = 0;
    uint32_t logical_sector = 512;
    uint64_t chunk_ratio = 0;    // payload blocks per sector-bitmap block
    uint64_t payload_blocks = 0; // ceil(virtual_size / block_size)
    uint64_t bat_entries = 0;    // payload + interleaved sector-bitmap entries
    // Index in the BAT of payload block `b`.
    uint64_t bat_index(uint64_t b) const { return b + b / chunk_ratio; }
};
// Fails unless block_size is a power of two in [1, 256] MiB and the sector size is 512 or 4096.
util::Result<Geometry> make_geometry(uint64_t virtual_size, uint64_t block_size,
                                     uint64_t logical_sector);

// Little-endian helpers shared by the VHDX code.
uint64_t load_le(std::span<const std::byte> d, size_t off, size_t width);
void store_le(std::span<std::byte> d, size_t off, uint64_t v, size_t width);

} // namespace wslmod::image::vhdx
