// The kernel readers against real artifacts: Debian's stand-in stock kernel and the published
// WSL configs in ../shared.
#include "kernel/bzimage.h"
#include "kernel/config.h"
#include "kernel/facts.h"
#include "kernel/pvh.h"
#include "support/catch.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/file.h"
#include "verify/boot_kernel.h"

using namespace wslmod;

TEST_CASE("the Debian vmlinuz names the release that its modules directory carries") {
    const auto& k = test::debian_kernel();
    auto bytes = util::read_bytes(k.kernel);
    REQUIRE(bytes);
    auto h = kernel::parse_bzimage(*bytes, k.kernel.string());
    REQUIRE(h);
    CHECK(h->release == k.release);
    CHECK(k.modules.filename() == h->release);
    CHECK(h->version_string.find("#1 SMP") != std::string::npos);
    CHECK(h->payload_offset > 0);
    CHECK(h->payload_offset + h->payload_length <= bytes->size());
}

TEST_CASE("the Debian published config: MODVERSIONS, xz compression, signing, BTF") {
    const auto& k = test::debian_kernel();
    auto text = util::read_text_decompressed(k.config);
    REQUIRE(text);
    auto cfg = kernel::parse_config(*text, k.config.string());
    REQUIRE(cfg);
    auto f = kernel::module_facts(*cfg);
    CHECK(k.release.starts_with(f.generated_for));
    CHECK(f.modversions);
    CHECK(f.compression == "xz");
    CHECK(f.module_sig);
    CHECK(f.btf_modules);
    CHECK(f.localversion.empty());
    CHECK(f.compiler.find("gcc") != std::string::npos);
}

TEST_CASE("the stock WSL configs parse whole, with the facts the notes record") {
    auto dir = test::shared_dir() / "kernel-configs";
    for (auto [file, version] : {std::pair{"config-wsl-6.18.20.1", "6.18.20.1"},
                                 std::pair{"config-wsl-6.6.87.1", "6.6.87.1"}}) {
        INFO(file);
        auto text = util::read_text_decompressed(dir / file);
        REQUIRE(text);
        auto cfg = kernel::parse_config(*text, file);
        REQUIRE(cfg);
        CHECK(cfg->values.size() > 3000);
        auto f = kernel::module_facts(*cfg);
        CHECK(f.generated_for == version);
        CHECK(f.localversion == "-microsoft-standard-WSL2");
        CHECK_FALSE(f.localversion_auto);
        CHECK(f.modversions);
        CHECK_FALSE(f.module_sig);
        CHECK(f.compression == "none");
        CHECK(f.btf_modules);
        CHECK(cfg->builtin("SCSI_VIRTIO"));
        CHECK(cfg->builtin("EXT4_FS"));
        CHECK(cfg->builtin("OVERLAY_FS"));
    }
}

TEST_CASE(
    "the boot check enters Debian's kernel at its PVH entry, from the bzImage's own payload") {
    const auto& k = test::debian_kernel();
    auto store = test::scratch_dir("boot-kernel-debian");
    auto first = verify::boot_kernel(k.kernel, store);
    CHECK(first.entry == "pvh");
    REQUIRE(first.path.parent_path() == store);
    auto elf = util::read_bytes(first.path);
    auto bz = util::read_bytes(k.kernel);
    REQUIRE(elf);
    REQUIRE(bz);
    CHECK(kernel::has_pvh_entry(*elf));
    auto payload = kernel::bzimage_vmlinux(*bz, k.kernel.string());
    REQUIRE(payload);
    CHECK(*payload == *elf);
    auto when = std::filesystem::last_write_time(first.path);
    auto again = verify::boot_kernel(k.kernel, store);
    CHECK(again.path == first.path);
    CHECK(std::filesystem::last_write_time(first.path) == when); // kept, not written again
}

TEST_CASE("kernel info names the architecture from the config and checks it against the image") {
    const auto& arm = test::debian_arm64_kernel();
    const auto& x86 = test::debian_kernel();
    auto r = test::run_wslmod({"--json", "kernel", "info", "--config", arm.config.string(),
                               "--stock-kernel", arm.kernel.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("\"arch\": \"arm64\"") != std::string::npos);
    CHECK(r.output.find("\"image_format\": \"Image\"") != std::string::npos);
    CHECK(r.output.find("\"release\": \"" + arm.release + "\"") != std::string::npos);
    r = test::run_wslmod(
        {"kernel", "info", "--config", x86.config.string(), "--stock-kernel", x86.kernel.string()});
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("architecture:  x86_64 (bzImage)") != std::string::npos);
    // The arm64 Image with the amd64 config: refused, naming the image.
    r = test::run_wslmod(
        {"kernel", "info", "--config", x86.config.string(), "--stock-kernel", arm.kernel.string()});
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("the config is for x86_64 but the kernel image is an arm64 Image") !=
          std::string::npos);
    CHECK(r.output.find(arm.kernel.string()) != std::string::npos);
}
