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
    // The verdict is kept, so the next boot does not work it out again.
    int markers = 0;
    for (const auto& e : fs::directory_iterator(store))
        markers += e.path().extension() == ".none";
    CHECK(markers == 1);
    CHECK(verify::boot_kernel(file, store).path == file);
    // No store (nowhere to keep a vmlinux) and a missing file: the path as given.
    CHECK(verify::boot_kernel(file, {}).path == file);
    CHECK(verify::boot_kernel(dir / "missing", store).entry == "bzImage");
}
