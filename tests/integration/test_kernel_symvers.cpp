// Module.symvers recovered from Debian's stock vmlinuz and modules, judged by the Module.symvers
// that Debian's own kernel build wrote (linux-headers).
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "support/catch.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;

namespace {
std::set<std::string> lines_of(const std::filesystem::path& p,
                               const std::string& only_module = {}) {
    std::ifstream in(p);
    std::set<std::string> out;
    for (std::string line; std::getline(in, line);) {
        if (!only_module.empty() && line.find("\t" + only_module + "\t") == std::string::npos)
            continue;
        out.insert(line);
    }
    return out;
}

// Recovers Module.symvers from `k`'s image and modules and compares it with Debian's, line for
// line: vmlinux first (the same symbols, CRCs, export types and namespaces, trailing tab
// included), then every module of the stock tree, which here is every module Debian lists.
void check_recovered_equals_debians(const test::DebianKernel& k, const std::string& name) {
    auto dir = test::scratch_dir(name);
    auto out = dir / "Module.symvers";
    auto r = test::run_wslmod({"kernel", "symvers", "--stock-kernel", k.kernel.string(),
                               "--stock-modules", k.modules.string(), "-o", out.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    auto recovered_vmlinux = lines_of(out, "vmlinux");
    CHECK(recovered_vmlinux.size() > 10000);
    CHECK(recovered_vmlinux == lines_of(k.symvers, "vmlinux"));
    auto recovered = lines_of(out);
    auto debian = lines_of(k.symvers);
    CHECK(recovered.size() == debian.size());
    CHECK(recovered == debian);
}
} // namespace

TEST_CASE("the Module.symvers recovered from the stock vmlinuz and modules equals Debian's") {
    check_recovered_equals_debians(test::debian_kernel(), "symvers");
}

TEST_CASE("the Module.symvers recovered from Debian's arm64 Image and modules equals Debian's") {
    // The Image has no sections: the export tables are found by their shape (arm64_image.h).
    check_recovered_equals_debians(test::debian_arm64_kernel(), "symvers-arm64");
}

TEST_CASE(
    "symvers reads the stock modules straight from a modules VHDX, and refuses a non-kernel") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("symvers-vhdx");
    auto img = dir / "modules.vhdx";
    REQUIRE(test::run_wslmod({"image", "pack", k.modules.string(), "-o", img.string()}).exit_code ==
            0);
    auto from_dir = dir / "dir.symvers", from_img = dir / "img.symvers";
    REQUIRE(test::run_wslmod({"kernel", "symvers", "--stock-kernel", k.kernel.string(),
                              "--stock-modules", k.modules.string(), "-o", from_dir.string()})
                .exit_code == 0);
    auto r = test::run_wslmod({"--json", "kernel", "symvers", "--stock-kernel", k.kernel.string(),
                               "--stock-modules", img.string(), "-o", from_img.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    auto module_lines = lines_of(k.symvers).size() - lines_of(k.symvers, "vmlinux").size();
    CHECK(r.output.find(fmt::format("\"module_symbols\": {}", module_lines)) != std::string::npos);
    CHECK(lines_of(from_dir) == lines_of(from_img));

    auto bad = test::run_wslmod(
        {"kernel", "symvers", "--stock-kernel", k.config.string(), "-o", (dir / "x").string()});
    CHECK(bad.exit_code == 2);
    CHECK(bad.output.find(k.config.string()) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "x"));
}
