// A module built by an older gcc major than the kernel's loads, as on WSL, whose 6.6 kernel gcc
// 11.2 built while Ubuntu 24.04 has gcc 13.  The kernel here is Debian's 6.1 cloud flavour, built
// by gcc 12; a project with cc = "gcc-11" builds hello with gcc-11 (its .comment section says
// so), and it loads in that kernel under QEMU.  wslmod.lock records the compiler, `build --locked
// --cc gcc-12` refuses and names both, and a gcc-12 build of the same project is a second tree
// and a second build beside the first: the cache keeps them apart.
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "kernel/profile.h"
#include "support/catch.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/process.h"
#include "util/sha256.h"
#include "verify/boot.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

nlohmann::json json_of(const util::CommandOutput& out) {
    auto at = out.output.find('{');
    REQUIRE(at != std::string::npos);
    return nlohmann::json::parse(out.output.substr(at));
}

// The compilers recorded in a module's .comment section ("GCC: (Debian 11.3.0-12) 11.3.0").
std::string comment_of(const std::string& ko) {
    return test::run_ok({"readelf", "-p", ".comment", ko});
}

std::string first_line_of_version(const std::string& cc) {
    auto out = test::run_ok({cc, "--version"});
    return out.substr(0, out.find('\n'));
}

std::string sha_of(const fs::path& p) {
    auto d = util::sha256_file(p);
    REQUIRE(d);
    return util::to_hex(*d);
}

} // namespace

TEST_CASE("hello built by gcc-11 loads in a gcc-12 kernel, the lock names gcc-11, --locked refuses "
          "gcc-12, and the cache keeps both builds apart") {
    test::require_program("gcc-11");
    test::require_program("gcc-12");
    test::require_program("readelf");
    test::require_program("qemu-system-x86_64");
    test::require(fs::exists("/bin/busybox"),
                  "busybox-static is not installed (scripts/setup --deps)");
    auto k = kernel::debian_profile("6.1-cloud");
    test::require(k.has_value(), k ? "" : k.error().message());
    auto published = test::read_text(k->config);
    REQUIRE(published.find("CONFIG_GCC_VERSION=120200") != std::string::npos);

    auto dir = test::scratch_dir("compiler-boot");
    auto project = dir / "project";
    fs::create_directories(project);
    // test_abi_release_boot prepares the gcc-12 tree in this cache too, so CI prepares it once.
    auto cache = (fs::path(WSLMOD_BINARY_DIR) / "tests/cache-6.1-cloud").string();
    std::ofstream(project / "wslmod.toml")
        << "[kernel]\nprofile = \"debian\"\nseries = \"6.1-cloud\"\n"
           "cc = \"gcc-11\"\n\n[recipes]\nhello = \"*\"\n";
    auto wslmod = [&](std::vector<std::string> args) {
        args.insert(args.begin(), test::wslmod_binary().string());
        return test::run_tool(args, project);
    };

    auto first = wslmod({"--json", "build", "--cache", cache});
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    auto doc = json_of(first);
    CHECK(doc["release"] == k->release);
    auto tree11 = doc["tree"].get<std::string>();
    auto ko11 = doc["builds"][0]["modules"][0]["file"].get<std::string>();
    auto comment11 = comment_of(ko11);
    INFO(comment11);
    CHECK(comment11.find("GCC: (Debian 11.") != std::string::npos);
    CHECK(comment11.find(" 12.") == std::string::npos);
    auto lock_path = project / "wslmod.lock";
    auto lock = nlohmann::json::parse(test::read_text(lock_path));
    CHECK(lock["compiler"] == first_line_of_version("gcc-11"));

    verify::BootSpec spec;
    spec.kernel = k->stock_kernel;
    spec.boot_modules_tree = k->stock_modules;
    spec.workdir = dir / "boot";
    spec.disk = project / "modules.vhdx";
    spec.commands = {"modprobe hello && echo loaded hello", "cat /proc/modules"};
    util::SystemRunner runner;
    auto booted = verify::boot(spec, runner);
    REQUIRE(booted);
    INFO(booted->describe());
    REQUIRE(booted->ok());
    REQUIRE(booted->report.commands.size() == 2);
    CHECK(booted->report.commands[0].output.find("loaded hello") != std::string::npos);
    CHECK(booted->report.commands[1].output.find("hello ") != std::string::npos);

    // Another compiler against the lock: refused, naming the compiler both ways, and the image
    // and the lock stay as they were.
    auto image_sha = sha_of(project / "modules.vhdx");
    auto lock_text = test::read_text(lock_path);
    auto locked = wslmod({"build", "--locked", "--cc", "gcc-12", "--cache", cache});
    INFO(locked.output);
    CHECK(locked.exit_code != 0);
    CHECK(locked.output.find("compiler '" + first_line_of_version("gcc-11") + "' -> '" +
                             first_line_of_version("gcc-12") + "'") != std::string::npos);
    CHECK(sha_of(project / "modules.vhdx") == image_sha);
    CHECK(test::read_text(lock_path) == lock_text);

    // The same project built by gcc-12: its own tree and build, and the gcc-11 ones remain.
    auto second = wslmod({"--json", "build", "--cc", "gcc-12", "--cache", cache});
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    auto doc12 = json_of(second);
    auto tree12 = doc12["tree"].get<std::string>();
    auto ko12 = doc12["builds"][0]["modules"][0]["file"].get<std::string>();
    CHECK(tree12 != tree11);
    CHECK(ko12 != ko11);
    CHECK(fs::exists(fs::path(tree11) / ".complete"));
    CHECK(fs::exists(fs::path(tree12) / ".complete"));
    CHECK(comment_of(ko12).find("GCC: (Debian 12.") != std::string::npos);
    CHECK(comment_of(ko11).find("GCC: (Debian 11.") != std::string::npos);
    CHECK(nlohmann::json::parse(test::read_text(lock_path))["compiler"] ==
          first_line_of_version("gcc-12"));
}
