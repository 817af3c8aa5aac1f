// `wslmod build` end to end on the Debian stand-in kernel: the stock modules come from a VHDX
// packed the way Microsoft packs tools\modules.vhd, the recipes are built and merged into one
// modules.vhdx, and the kernel boots with it mounted the WSL way.  Every added module, a module
// whose dependency comes from another recipe, and stock modules load; a recipe that replaces a
// stock module is the one that loads.
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "recipe/recipe.h"
#include "support/catch.h"
#include "support/debian_boot.h"
#include "support/devel_tree.h"
#include "support/microsoft_image.h"
#include "support/module_name.h"
#include "support/prereq.h"
#include "support/run.h"
#include "verify/boot.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

fs::path shared_cache() {
    return fs::path(WSLMOD_BINARY_DIR) / "tests/cache";
}
fs::path fixture_recipes() {
    return fs::path(WSLMOD_SOURCE_DIR) / "tests/fixtures/recipes";
}

// WSL's stock modules lack the drivers usbip-extra adds; Debian's have them.  The stand-in
// stock image is Debian's tree without them (depmod run again), packed the Microsoft way.
fs::path stock_image_without(const std::set<std::string>& names, const fs::path& dir) {
    const auto& k = test::debian_kernel();
    auto root = dir / "stock-root";
    auto tree = root / "lib/modules" / k.release;
    fs::create_directories(tree.parent_path());
    test::run_ok({"cp", "-a", k.modules.string(), tree.string()});
    std::vector<fs::path> drop;
    for (const auto& e : fs::recursive_directory_iterator(tree)) {
        auto f = e.path().filename().string();
        auto ko = f.find(".ko");
        if (e.is_regular_file() && ko != std::string::npos &&
            names.count(test::kernel_name(f.substr(0, ko))))
            drop.push_back(e.path());
    }
    REQUIRE(drop.size() == names.size());
    for (const auto& p : drop)
        fs::remove(p);
    test::run_ok({"depmod", "-b", root.string(), k.release});
    auto img = dir / "stock/modules.vhdx";
    test::pack_like_microsoft(tree, img);
    return img;
}

nlohmann::json build_json(std::vector<std::string> args) {
    std::vector<std::string> argv{"--json",   "build",
                                  "--kernel", test::prepared_tree().string(),
                                  "--cache",  shared_cache().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = test::run_wslmod(argv);
    INFO("wslmod " << util::shell_quote(argv) << "\n" << r.output);
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.output.substr(r.output.find('{')), nullptr, false);
    REQUIRE_FALSE(doc.is_discarded());
    return doc;
}

// "loaded NAME" / "FAILED NAME" lines from the guest's modprobe loop.
std::set<std::string> lines_with(const std::string& text, const std::string& prefix) {
    std::set<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l.starts_with(prefix)) out.insert(l.substr(prefix.size()));
    return out;
}

} // namespace

TEST_CASE("hello and usbip-extra and v4l2loopback and a dependent recipe merged with a "
          "Microsoft-packed stock image all load") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("build-boot");
    auto usbip = recipe::load_recipe(fs::path(WSLMOD_SOURCE_DIR) / "module-recipes/usbip-extra");
    REQUIRE(usbip);
    std::set<std::string> usbip_modules;
    for (const auto& m : usbip->modules)
        usbip_modules.insert(test::kernel_name(m.name));
    auto stock = stock_image_without(usbip_modules, dir);

    // v4l2loopback is the shipped deb recipe: Debian's v4l2loopback-dkms, fetched by apt.
    auto out = dir / "out/modules.vhdx";
    // --verify: the build ends by booting the stock kernel with the image and loading every
    // added module (wslmod verify --boot); the image's boot modules come from the image itself.
    auto doc =
        build_json({"--stock-modules", stock.string(), "--recipes", fixture_recipes().string(),
                    "-o", out.string(), "--verify", "--stock-kernel", k.kernel.string(), "hello",
                    "usbip-extra", "v4l2loopback", "wslmod-consumer"});
    INFO(doc.dump(2));
    const auto& img = doc["image"];
    CHECK(img["release"] == k.release);
    CHECK(img["replaced"].empty());
    std::set<std::string> added;
    for (const auto& a : img["added"]) {
        added.insert(test::kernel_name(a["name"].get<std::string>()));
        CHECK(a["path"].get<std::string>().ends_with(".ko.xz")); // compressed like Debian's own
    }
    std::set<std::string> expected = usbip_modules;
    expected.insert({"hello", "v4l2loopback", "wslmod_consumer", "wslmod_provider"});
    CHECK(added == expected);
    CHECK(img["counts"]["modules"] == img["counts"]["stock"].get<size_t>() + added.size());
    const auto& verified = doc["verify"];
    CHECK(verified["ok"] == true);
    CHECK(verified["release"] == k.release);
    CHECK_FALSE(
        verified["boot_modules"].empty()); // Debian's virtio_scsi, sd_mod, ext4, ... from the image
    std::set<std::string> loaded_by_verify;
    for (const auto& m : verified["modules"]) {
        INFO(m.dump());
        CHECK(m["loaded"] == true);
        loaded_by_verify.insert(test::kernel_name(m["module"].get<std::string>()));
    }
    CHECK(loaded_by_verify == expected); // every added module, reported loaded

    // inspect --diff between the stock image and the output lists exactly the added modules.
    auto diff = test::run_wslmod({"--json", "inspect", out.string(), "--diff", stock.string()});
    INFO(diff.output);
    REQUIRE(diff.exit_code == 0);
    auto d = nlohmann::json::parse(diff.output);
    std::set<std::string> diffed;
    for (const auto& m : d["added"])
        diffed.insert(m["name"].get<std::string>());
    CHECK(diffed == expected);
    CHECK(d["removed"].empty());
    CHECK(d["changed"].empty());

    // Boot: the consumer first, so that its provider can only come in through modules.dep.
    std::string loop = "for m in";
    for (const auto& m : expected)
        if (m != "wslmod_consumer" && m != "wslmod_provider") loop += " " + m;
    loop += "; do if modprobe $m; then echo \"loaded $m\"; else echo \"FAILED $m\"; fi; done";
    auto spec = test::debian_boot_spec(dir / "boot");
    spec.disk = out;
    spec.commands = {"modprobe wslmod_consumer",
                     "cat /proc/modules",
                     loop,
                     "modprobe isofs && modprobe vfat",
                     "cat /proc/modules",
                     "modinfo -n hello; modinfo -n isofs"};
    auto result = test::boot_ok(spec, 6);
    INFO(result.describe());
    const auto& c = result.report.commands;
    CHECK(c[0].exit_code == 0);
    CHECK(c[1].output.find("wslmod_provider ") !=
          std::string::npos); // loaded as the consumer's dependency
    CHECK(c[1].output.find("wslmod_consumer ") != std::string::npos);
    auto failed = lines_with(c[2].output, "FAILED ");
    CHECK(failed.empty());
    auto loaded = lines_with(c[2].output, "loaded ");
    CHECK(loaded.size() == expected.size() - 2);
    CHECK(c[3].exit_code == 0);
    std::set<std::string> in_kernel;
    std::istringstream pm(c[4].output);
    for (std::string l; std::getline(pm, l);)
        in_kernel.insert(l.substr(0, l.find(' ')));
    for (const auto& m : expected) {
        INFO("module " << m);
        CHECK(in_kernel.count(m));
    }
    for (const char* m :
         {"isofs", "vfat", "cdrom", "fat"}) { // two stock modules and their dependencies
        INFO("stock module " << m);
        CHECK(in_kernel.count(m));
    }
    CHECK(c[5].output.find("/lib/modules/" + k.release + "/extra/hello/hello.ko.xz") !=
          std::string::npos);
    CHECK(c[5].output.find("/lib/modules/" + k.release + "/kernel/fs/isofs/isofs.ko.xz") !=
          std::string::npos);
}

TEST_CASE("a recipe that replaces a stock module is the copy that loads") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("build-boot-replaces");
    // The fixture without replaces is refused (integration test); this copy declares it.
    auto recipe = dir / "recipes/wslmod-dummy";
    fs::create_directories(recipe);
    fs::copy(fixture_recipes() / "wslmod-dummy", recipe, fs::copy_options::recursive);
    std::ifstream in(recipe / "recipe.toml");
    std::string text(std::istreambuf_iterator<char>(in), {});
    in.close();
    auto at = text.find("name = \"wslmod-dummy\"\n");
    REQUIRE(at != std::string::npos);
    text.insert(at, "replaces = [\"dummy\"]\n");
    std::ofstream(recipe / "recipe.toml") << text;

    auto out = dir / "modules.vhdx";
    auto doc =
        build_json({"--stock-modules", k.modules.string(), "-o", out.string(), recipe.string()});
    INFO(doc.dump(2));
    const auto& replaced = doc["image"]["replaced"];
    REQUIRE(replaced.size() == 1);
    CHECK(replaced[0]["name"] == "dummy");
    CHECK(replaced[0]["stock_path"] == "kernel/drivers/net/dummy.ko.xz");
    CHECK(replaced[0]["path"] == "extra/wslmod-dummy/dummy.ko.xz");

    auto spec = test::debian_boot_spec(dir / "boot");
    spec.disk = out;
    spec.commands = {"modprobe dummy", "cat /sys/module/dummy/parameters/wslmod_marker",
                     "dmesg | grep wslmod-dummy", "modinfo -n dummy",
                     "ls /lib/modules/$(uname -r)/kernel/drivers/net/dummy.ko.xz"};
    auto result = test::boot_ok(spec, 5);
    INFO(result.describe());
    const auto& c = result.report.commands;
    CHECK(c[0].exit_code == 0);
    CHECK(c[1].output.find("42") != std::string::npos); // a parameter only our dummy has
    CHECK(c[2].output.find("wslmod-dummy: replacing the stock dummy, marker 42") !=
          std::string::npos);
    CHECK(c[3].output.find("/extra/wslmod-dummy/dummy.ko.xz") != std::string::npos);
    CHECK(c[4].exit_code != 0); // the stock copy is not in the image at all
}
