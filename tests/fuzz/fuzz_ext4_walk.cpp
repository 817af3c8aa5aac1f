// libFuzzer target: the ext4 walk behind `image extract` (and behind reading a stock modules
// image) on hostile filesystems.  The input is the head of a 1 MiB image, the rest zeros: the
// seeds (fuzz_walk_seeds) keep every block a small tree uses inside that head.
//
// Ext4Reader::open, check() and extract() must refuse or succeed without crashing (ASan and
// UBSan watch our code; libext2fs itself is not instrumented, so a fault inside it shows up as
// a crash), and extract must write nothing outside its target and stay within its limits.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "image/block_device.h"
#include "image/ext4_reader.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

constexpr size_t kImage = 1 << 20;

[[noreturn]] void broken(const std::string& what) {
    std::fprintf(stderr, "fuzz_ext4_walk: %s\n", what.c_str());
    std::abort();
}

const fs::path& scratch() {
    static const fs::path dir = [] {
        std::string tmpl = (fs::temp_directory_path() / "wslmod-fuzz-ext4-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) broken("cannot make a scratch folder");
        return fs::path(tmpl);
    }();
    return dir;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::byte> bytes(std::max(kImage, size));
    std::memcpy(bytes.data(), data, size);
    image::MemoryDevice device(std::move(bytes));
    auto reader = image::Ext4Reader::open(device, "fuzz.img");
    if (!reader) return 0;
    (void)(*reader)->check();
    const auto& dir = scratch();
    auto out = dir / "out";
    image::ExtractLimits limits;
    limits.max_bytes = 8u << 20;
    limits.max_entries = 4096;
    auto done = (*reader)->extract("/", out, limits);
    std::error_code ec;
    uint64_t entries = 0;
    for (fs::recursive_directory_iterator it(out, ec), end; !ec && it != end; it.increment(ec))
        ++entries;
    if (!done && fs::exists(out, ec))
        broken("a failed extract left its target: " + done.error().message());
    if (entries > limits.max_entries) broken("extract wrote more entries than its limit");
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path() != out) broken("extract wrote beside its target: " + e.path().string());
    fs::remove_all(out, ec);
    return 0;
}
