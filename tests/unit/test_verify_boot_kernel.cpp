#include <fstream>

#include "support/catch.h"
#include "support/prereq.h"
#include "verify/boot_kernel.h"

using namespace wslmod;
namespace fs = std::filesystem;

TEST_CASE("boot_kernel hands QEMU the file itself when it is no bzImage with a PVH vmlinux") {
    auto dir = test::scratch_dir("boot-kernel-junk");
    auto file = dir / "kernel";
    std::ofstream(file) << std::string(8192, 'x');
    auto store = dir / "store";
    auto k = verify::boot_kernel(file, store);
    CHECK(k.entry == "bzImage");
    CHECK(k.path == file);
    // Nothing is remembered for a payload that does not decompress: another wslmod may read it.
    CHECK((!fs::exists(store) || fs::is_empty(store)));
    CHECK(verify::boot_kernel(file, store).path == file);
    // No store (nowhere to keep a vmlinux) and a missing file: the path as given.
    CHECK(verify::boot_kernel(file, {}).path == file);
    CHECK(verify::boot_kernel(dir / "missing", store).entry == "bzImage");
}
