// `wslmod verify --boot` and install's boot check on the Debian stand-in kernel, with one image
// holding three modules that must not load, each for its own reason in the kernel's own words:
//   - hello built against a Module.symvers with one CRC changed (_printk): "disagrees about
//     version of symbol _printk", pointing at Module.symvers.  (`wslmod build` itself already
//     refuses such a tree when it merges stock modules: depmod -E sees their CRCs disagree; the
//     image here is put together by hand, as a user's own tooling might.)
//   - vcan with another kernel's vermagic: the vermagic reason;
//   - wslmod_consumer without the module that exports what it calls: "Unknown symbol", named.
// install on a fake Windows side refuses the image and leaves .wslconfig alone, and installs it
// with --no-verify.  (The success case, every added module of hello, usbip-extra, v4l2loopback
// and a dependent recipe loading, is `build --verify` in test_build_boot.)
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/fake_windows.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/sha256.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

fs::path shared_cache() {
    return fs::path(WSLMOD_BINARY_DIR) / "tests/cache";
}

nlohmann::json json_in(const std::string& output) {
    auto at = output.find("{\n");
    REQUIRE(at != std::string::npos);
    auto doc = nlohmann::json::parse(output.substr(at), nullptr, false, true);
    if (doc.is_discarded()) { // an error line after the document
        auto end = output.rfind("\n}");
        REQUIRE(end != std::string::npos);
        doc = nlohmann::json::parse(output.substr(at, end + 2 - at));
    }
    return doc;
}

// The module a test recipe builds: its name with '_' for '-'.
std::string modules_of(std::string recipe) {
    std::replace(recipe.begin(), recipe.end(), '-', '_');
    return recipe;
}

void require_boot_tools() {
    test::require_program("qemu-system-x86_64");
    test::require(fs::exists("/bin/busybox"),
                  "busybox-static is not installed (scripts/setup --deps)");
}

} // namespace

TEST_CASE("verify --boot reports a CRC mismatch, a vermagic mismatch and an unknown symbol, and "
          "install refuses the image unless --no-verify") {
    require_boot_tools();
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("verify-failures");
    // A copy of the prepared tree whose Module.symvers has another CRC for _printk, which hello
    // calls (through pr_info).  Its folder name differs, so hello's build is not the cached one.
    auto bad = dir / "bad-crc-tree";
    test::run_ok({"cp", "-a", "--link", tree.string(), bad.string()});
    auto symvers = test::read_text(bad / "Module.symvers");
    auto at = symvers.find("\t_printk\tvmlinux\t");
    REQUIRE(at != std::string::npos);
    auto line = symvers.rfind('\n', at) + 1;
    symvers.replace(line, at - line, "0xdeadbeef");
    fs::remove(bad / "Module.symvers"); // a hard link to the shared tree's
    std::ofstream(bad / "Module.symvers") << symvers;
    auto build = [&](const std::string& recipe, const fs::path& t) {
        auto r = test::run_tool({test::wslmod_binary().string(), "--json", "recipe", "build",
                                 recipe, "--kernel", t.string(), "--recipes",
                                 (fs::path(WSLMOD_SOURCE_DIR) / "tests/fixtures/recipes").string(),
                                 "--cache", shared_cache().string()});
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        std::map<std::string, fs::path> ko;
        auto doc = json_in(r.output); // not in the range-for: a temporary's member would dangle
        for (const auto& b : doc["builds"])
            for (const auto& m : b["modules"])
                ko[m["name"].get<std::string>()] = m["file"].get<std::string>();
        REQUIRE(ko.count(modules_of(recipe)));
        return ko;
    };
    auto hello = build("hello", bad)["hello"];
    auto consumer = build("wslmod-consumer", tree)["wslmod_consumer"];

    // The stock tree (hard links) with those two added, wslmod_provider left out, and vcan's
    // vermagic replaced by another kernel's (same length, so .modinfo keeps its layout).
    auto base = dir / "base";
    auto modules = base / "lib/modules" / k.release;
    fs::create_directories(modules.parent_path());
    test::run_ok({"cp", "-a", "--link", k.modules.string(), modules.string()});
    // depmod writes its indexes anew; the hard links to the fixture's go first.
    for (const auto& e : fs::directory_iterator(modules)) {
        auto name = e.path().filename().string();
        if (name.starts_with("modules.") && name != "modules.order" &&
            !name.starts_with("modules.builtin"))
            fs::remove(e.path());
    }
    fs::create_directories(modules / "extra");
    fs::copy_file(hello, modules / "extra/hello.ko");
    fs::copy_file(consumer, modules / "extra/wslmod_consumer.ko");
    auto vcan_xz = modules / "kernel/drivers/net/can/vcan.ko.xz";
    auto vcan = test::run_ok({"xz", "-dc", vcan_xz.string()});
    fs::remove(vcan_xz);
    // Debian signs its modules and the edit would break the signature, which the kernel checks
    // first: the signature goes (appended as the signature, a 12-byte trailer whose last 4
    // bytes are its length, big-endian, and the 28-byte marker), leaving an unsigned module as
    // WSL's are.
    const std::string marker = "~Module signature appended~\n";
    REQUIRE(vcan.ends_with(marker));
    auto trailer = vcan.size() - marker.size() - 12;
    uint32_t sig_len = 0;
    for (int i = 8; i < 12; ++i)
        sig_len = sig_len << 8 | static_cast<unsigned char>(vcan[trailer + static_cast<size_t>(i)]);
    vcan.resize(trailer - sig_len);
    auto magic = vcan.find("vermagic=" + k.release + " ");
    REQUIRE(magic != std::string::npos);
    auto end = vcan.find('\0', magic);
    std::string other =
        "6.6.87.2-microsoft-standard-WSL2 SMP PREEMPT_DYNAMIC mod_unload modversions ";
    other.resize(end - magic - 9, ' ');
    vcan.replace(magic + 9, other.size(), other);
    std::ofstream(modules / "kernel/drivers/net/can/vcan.ko", std::ios::binary) << vcan;
    test::run_ok({"depmod", "-b", base.string(), k.release});
    std::ofstream(modules / "wslmod.added")
        << "# wslmod: the modules this image adds to the stock ones: name, path, recipe\n"
           "hello extra/hello.ko hello\nvcan kernel/drivers/net/can/vcan.ko vcan\n"
           "wslmod_consumer extra/wslmod_consumer.ko wslmod-consumer\n";
    auto img = dir / "broken.vhdx";
    test::run_ok(
        {test::wslmod_binary().string(), "image", "pack", modules.string(), "-o", img.string()});

    auto r =
        test::run_tool({test::wslmod_binary().string(), "--json", "verify", img.string(), "--boot",
                        "--kernel", k.kernel.string(), "--cache", shared_cache().string()});
    INFO(r.output);
    CHECK(r.exit_code == 1);
    auto doc = json_in(r.output);
    CHECK(doc["ok"] == false);
    CHECK(doc["release"] == k.release);
    REQUIRE(doc["modules"].size() == 3); // from the image's wslmod.added
    const auto& h = doc["modules"][0];
    CHECK(h["module"] == "hello");
    CHECK(h["loaded"] == false);
    CHECK(h["reason"] == "symbol CRC mismatch");
    CHECK(h["symbol"] == "_printk");
    CHECK(h["dmesg"].dump().find("hello: disagrees about version of symbol _printk") !=
          std::string::npos);
    CHECK(h["hint"].get<std::string>().find("Module.symvers") != std::string::npos);
    const auto& v = doc["modules"][1];
    CHECK(v["module"] == "vcan");
    CHECK(v["reason"] == "vermagic mismatch");
    CHECK(v["dmesg"].dump().find("version magic '6.6.87.2-microsoft-standard-WSL2") !=
          std::string::npos);
    CHECK(v["hint"].get<std::string>().find("release") != std::string::npos);
    const auto& c = doc["modules"][2];
    CHECK(c["module"] == "wslmod_consumer");
    CHECK(c["reason"] == "unknown symbol");
    CHECK(c["symbol"] == "wslmod_provider_answer");
    CHECK(c["dmesg"].dump().find("Unknown symbol wslmod_provider_answer") != std::string::npos);
    CHECK(doc["seconds"].get<double>() > 0);
    // install boots it first and refuses; .wslconfig is never touched.  --no-verify installs it.
    test::FakeWindows win(dir / "windows");
    auto refused = win.wslmod({"install", img.string(), "--cache", shared_cache().string()});
    INFO(refused.output);
    CHECK(refused.exit_code == 1);
    CHECK(refused.output.find("did not load in the stock kernel") != std::string::npos);
    CHECK(refused.output.find(".wslconfig was not changed") != std::string::npos);
    CHECK(refused.output.find("booted in ") !=
          std::string::npos); // the boot's wall time is printed
    CHECK(refused.output.find("FAILED  wslmod_consumer: unknown symbol (wslmod_provider_answer)") !=
          std::string::npos);
    CHECK(refused.output.find("FAILED  hello: symbol CRC mismatch (_printk)") != std::string::npos);
    CHECK(refused.output.find("FAILED  vcan: vermagic mismatch") != std::string::npos);
    CHECK_FALSE(fs::exists(win.wslconfig()));
    CHECK_FALSE(fs::exists(win.install_root() / "state.json"));
    auto forced = win.wslmod({"install", img.string(), "--no-verify"});
    INFO(forced.output);
    CHECK(forced.exit_code == 0);
    CHECK(test::read_text(win.wslconfig()).find("kernelModules=") != std::string::npos);
}
