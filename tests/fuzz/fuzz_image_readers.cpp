// libFuzzer target: VhdReader and VhdxReader on hostile bytes.  open() must accept or refuse
// without crashing (ASan and UBSan watch), and a reader that opened must then serve every read
// inside its virtual disk: open() promises to validate everything a later read relies on, so a
// failed in-bounds read is a validation gap and aborts like a crash.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>

#include "image/vhd_reader.h"
#include "image/vhdx_reader.h"
#include "stretch.h"

using namespace wslmod;
using namespace wslmod::image;

namespace {

// Per range; three ranges keep a run fast even on a virtual disk of terabytes.
constexpr uint64_t kReadLimit = 256 * 1024;

void must_read(BlockDevice& disk, uint64_t offset, std::span<std::byte> out, const char* what) {
    auto ok = disk.pread(offset, out);
    if (ok) return;
    // The one documented exception: like QEMU, open() accepts a block in a reserved or
    // differencing-only BAT state and refuses only reads of that block (test_image_vhdx_reader,
    // "opens vhdx blocks in reserved or differencing states but refuses to read them").
    const auto& why = ok.error().what;
    if (why.find("is PARTIALLY_PRESENT, as only in differencing disks") != std::string::npos ||
        why.find("has the reserved BAT state") != std::string::npos)
        return;
    std::fprintf(stderr, "%s: in-bounds read of %zu bytes at %llu failed after open: %s\n", what,
                 out.size(), static_cast<unsigned long long>(offset), ok.error().message().c_str());
    std::abort();
}

// Reads the start, the middle and the end, and one range at an odd offset that crosses sector
// and (for small blocks) block boundaries; then checks that a read past the end is refused.
void read_some(BlockDevice& disk, const char* what) {
    uint64_t size = disk.size();
    uint64_t n = std::min(size, kReadLimit);
    std::vector<std::byte> buf(n);
    for (uint64_t at : {uint64_t{0}, size / 2 - n / 2, size - n})
        must_read(disk, at, buf, what);
    uint64_t odd = size / 3 | 1;
    if (odd < size) must_read(disk, odd, std::span(buf).first(std::min(n, size - odd)), what);
    std::byte one[1];
    if (disk.pread(size, one)) {
        std::fprintf(stderr, "%s: a read past the end of the virtual disk succeeded\n", what);
        std::abort();
    }
}

void try_vhdx(std::vector<std::byte> bytes) {
    MemoryDevice file(std::move(bytes));
    if (auto r = VhdxReader::open(file, "fuzz.vhdx")) read_some(**r, "vhdx");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::byte> flat(reinterpret_cast<const std::byte*>(data),
                                reinterpret_cast<const std::byte*>(data) + size);
    {
        MemoryDevice file(flat);
        if (auto r = VhdReader::open(file, "fuzz.vhd")) read_some(**r, "vhd");
    }
    try_vhdx(std::move(flat));
    try_vhdx(fuzz::stretch(data, size));
    return 0;
}
