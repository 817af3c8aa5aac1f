// `wslmod upgrade` after a simulated WSL update, on a fake Windows side (support/fake_windows.h)
// with two stand-in stock kernels of different releases built from one source: Debian's 6.12
// generic (A) and cloud (B) flavours, both from linux-source-6.12.  WSL's tools\kernel and
// tools\modules.vhd start as A's; the project installs for A; the update swaps both to B; status
// says stale; a failing upgrade changes nothing installed, and one whose recipe no longer builds
// names it; upgrade --keep-going rebuilds for B without it, boots B with the new image (QEMU) and
// installs generation 2 with B's kernel; rollback gives A's kernel and image back byte for byte; a
// SIGKILL at each of upgrade's write steps leaves the old state or the new.  Then a bundle exported
// for B and, with --release, for A imports on either kernel with `make` broken, and upgrade takes
// the bundled build instead of compiling.
#include <fstream>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kernel/profile.h"
#include "support/catch.h"
#include "support/fake_windows.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/sha256.h"
#include "wsl/wslconfig.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

std::string sha(const fs::path& p) {
    auto d = util::sha256_file(p);
    REQUIRE(d);
    return util::to_hex(*d);
}

nlohmann::json json_of(const util::CommandOutput& r) {
    INFO(r.output);
    auto at = r.output.find('{');
    REQUIRE(at != std::string::npos);
    auto j = nlohmann::json::parse(r.output.substr(at), nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
}

std::optional<std::string> slurp_if(const fs::path& p) {
    if (!fs::exists(p)) return std::nullopt;
    return test::read_text(p);
}

// A stand-in stock kernel as WSL ships one: the bzImage and its modules packed into an image.
struct Stock {
    std::string release;
    fs::path kernel, modules_vhd, config;
};

Stock stock_of(const kernel::ProfileInputs& k, const fs::path& dir) {
    Stock s{k.release, dir / k.release / "kernel", dir / k.release / "modules.vhd", k.config};
    fs::create_directories(s.kernel.parent_path());
    fs::copy_file(k.stock_kernel, s.kernel);
    auto r = test::run_wslmod(
        {"image", "pack", k.stock_modules.string(), "--output", s.modules_vhd.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return s;
}

// A WSL update: both files in tools\ replaced.
void wsl_ships(const test::FakeWindows& win, const Stock& s) {
    fs::copy_file(s.kernel, win.tools / "kernel", fs::copy_options::overwrite_existing);
    fs::copy_file(s.modules_vhd, win.tools / "modules.vhd", fs::copy_options::overwrite_existing);
}

// The Linux path of a Windows path below the fake C:\.
fs::path linux_path(const test::FakeWindows& win, std::string windows) {
    auto rel = windows.substr(3);
    for (auto& c : rel)
        c = c == '\\' ? '/' : c;
    return win.root / rel;
}

// The kernel inputs a project names, in its own kernel-inputs/ (links): the source both
// flavours share, the published configs by release, and each release's stock files.  Inside the
// project, so that a bundle's relative paths still name them on the importing side.
void kernel_inputs(const fs::path& dir, const std::vector<Stock>& stocks) {
    const auto& k = test::debian_kernel();
    auto in = dir / "kernel-inputs";
    fs::create_directories(in);
    fs::create_symlink(k.source, in / k.source.filename());
    for (const auto& s : stocks) {
        fs::create_symlink(s.config, in / ("config-" + s.release));
        fs::create_directories(in / s.release);
        fs::create_symlink(s.kernel, in / s.release / "kernel");
        fs::create_symlink(s.modules_vhd, in / s.release / "modules.vhd");
    }
}

// A project with profile wsl whose source and config come from kernel-inputs/, by {release};
// the stock files from WSL's tools\, or for other releases (with_stock) from kernel-inputs/.
fs::path new_project(const test::FakeWindows& win, const fs::path& dir,
                     const std::vector<Stock>& stocks, bool with_stock = false) {
    kernel_inputs(dir, stocks);
    auto init = win.wslmod({"init", "--profile", "wsl"}, dir);
    INFO(init.output);
    REQUIRE(init.exit_code == 0);
    auto text = test::read_text(dir / "wslmod.toml");
    auto at = text.find("profile = \"wsl\"\n");
    REQUIRE(at != std::string::npos);
    std::string keys = "source = \"kernel-inputs/" +
                       test::debian_kernel().source.filename().string() +
                       "\"\nconfig = \"kernel-inputs/config-{release}\"\n";
    if (with_stock)
        keys += "stock-kernel = \"kernel-inputs/{release}/kernel\"\n"
                "stock-modules = \"kernel-inputs/{release}/modules.vhd\"\n";
    text.insert(at + 16, keys);
    std::ofstream(dir / "wslmod.toml") << text;
    return dir;
}

} // namespace

TEST_CASE("after a WSL update, upgrade rebuilds, boots the new kernel and installs it, rollback "
          "undoes it, a SIGKILL leaves the old state or the new, and a two-release bundle "
          "imports and upgrades without compiling",
          "[upgrade]") {
    test::require_program("qemu-system-x86_64");
    auto cloud = kernel::debian_profile("6.12-cloud");
    test::require(cloud.has_value(), cloud ? "" : cloud.error().message());
    auto generic = kernel::debian_profile("6.12");
    REQUIRE(generic);
    REQUIRE(cloud->release != generic->release);
    auto cache = (fs::path(WSLMOD_BINARY_DIR) / "tests/cache").string();
    auto dir = test::scratch_dir("upgrade-boot");
    auto a = stock_of(*generic, dir / "kernels"), b = stock_of(*cloud, dir / "kernels");
    test::FakeWindows win(dir / "win");
    wsl_ships(win, a);

    // Installed for A.
    auto project = new_project(win, dir / "project", {a, b});
    // fussy: a recipe of the project's own that no longer builds for B's release.
    fs::create_directories(project / "recipes/fussy/files");
    std::ofstream(project / "recipes/fussy/recipe.toml")
        << "name = \"fussy\"\nversion = \"1.0\"\nsummary = \"Builds for generic kernels "
           "only\"\nlicense = \"GPL-2.0\"\n\n[source]\npath = \"files\"\n\n[build]\nmodules = "
           "[\"fussy\"]\n";
    std::ofstream(project / "recipes/fussy/files/Kbuild")
        << "obj-m := fussy.o\nifneq ($(findstring cloud,$(KERNELRELEASE)),)\n$(error fussy does "
           "not build for $(KERNELRELEASE))\nendif\n";
    std::ofstream(project / "recipes/fussy/files/fussy.c")
        << "#include <linux/module.h>\nstatic int __init fussy_init(void) { return 0; }\n"
           "static void __exit fussy_exit(void) {}\nmodule_init(fussy_init);\n"
           "module_exit(fussy_exit);\nMODULE_LICENSE(\"GPL\");\n";
    auto add = win.wslmod({"add", "hello", "fussy", "--cache", cache}, project);
    INFO(add.output);
    REQUIRE(add.exit_code == 0);
    auto inst = win.wslmod({"install", "--no-verify"}, project); // boots are below
    INFO(inst.output);
    REQUIRE(inst.exit_code == 0);
    auto conf_a = test::read_text(win.wslconfig());
    auto image_a = sha(project / "modules.vhdx");
    auto cur = win.wslmod({"--json", "upgrade", "--check"}, project);
    CHECK(cur.exit_code == 0);
    CHECK(json_of(cur)["state"] == "current");

    // WSL updates itself.
    wsl_ships(win, b);
    auto stale = json_of(win.wslmod({"--json", "status"}, project));
    CHECK(stale["state"] == "stale");
    CHECK(stale["stale"].dump().find("changed since generation 1 was installed") !=
          std::string::npos);
    auto due = win.wslmod({"--json", "upgrade", "--check"}, dir); // elsewhere: the installed one's
    CHECK(due.exit_code == 1);
    auto due_doc = json_of(due);
    CHECK(due_doc["state"] == "due");
    CHECK(due_doc["project"] == project.string());
    CHECK(due_doc["to_release"] == b.release);

    // A failing upgrade (here: `make` broken, so B's tree cannot be prepared) changes nothing
    // that is installed, and says so.
    auto fakebin = dir / "fakebin";
    fs::create_directories(fakebin);
    std::ofstream(fakebin / "make")
        << "#!/bin/sh\ntouch " << (dir / "make-ran").string() << "\nexit 1\n";
    fs::permissions(fakebin / "make", fs::perms::owner_all);
    std::vector<std::pair<std::string, std::string>> no_make = {
        {"PATH", fakebin.string() + ":" + win.env().front().second}};
    auto state_a = test::read_text(win.install_root() / "state.json");
    auto failed = win.wslmod({"upgrade", "--cache", cache}, project, no_make);
    INFO(failed.output);
    CHECK(failed.exit_code != 0);
    CHECK(failed.output.find("generation 1 (" + a.release + ") and .wslconfig were not changed") !=
          std::string::npos);
    CHECK(test::read_text(win.wslconfig()) == conf_a);
    CHECK(test::read_text(win.install_root() / "state.json") == state_a);
    fs::remove(dir / "make-ran");

    // A recipe that no longer builds is named, nothing installed changes, and --keep-going
    // upgrades without it.
    auto fussy = win.wslmod({"upgrade", "--cache", cache}, project);
    INFO(fussy.output);
    CHECK(fussy.exit_code != 0);
    CHECK(fussy.output.find("fussy") != std::string::npos);
    CHECK(fussy.output.find("--keep-going") != std::string::npos);
    CHECK(test::read_text(win.wslconfig()) == conf_a);
    CHECK(test::read_text(win.install_root() / "state.json") == state_a);

    // One upgrade: rebuilt for B, booted in B, installed as generation 2 with B's kernel.
    auto up = win.wslmod({"--json", "upgrade", "--keep-going", "--cache", cache}, dir);
    INFO(up.output);
    REQUIRE(up.exit_code == 0);
    auto up_doc = json_of(up);
    CHECK(up_doc["state"] == "upgraded");
    CHECK(up_doc["verified"] == true);
    CHECK(up_doc["installed"]["id"] == 2);
    CHECK(up_doc["installed"]["release"] == b.release);
    CHECK(up_doc["left_out"] == nlohmann::json::array({"fussy"}));
    auto gen2 = win.install_root() / b.release / "2";
    CHECK(sha(gen2 / "kernel") == sha(b.kernel));
    CHECK(sha(gen2 / "modules.vhdx") == sha(project / "modules.vhdx"));
    auto conf_b = test::read_text(win.wslconfig());
    CHECK(wsl::get_value(conf_b, "wsl2", "kernelModules") ==
          up_doc["installed"]["modules"].get<std::string>());
    auto inspect = json_of(win.wslmod({"--json", "inspect", (gen2 / "modules.vhdx").string()}));
    CHECK(inspect.dump().find(b.release) != std::string::npos);
    auto left = json_of(win.wslmod({"--json", "status"}, project));
    CHECK(left["state"] == "outdated");
    CHECK(left["outdated"].dump().find("recipe fussy is in the manifest but not built") !=
          std::string::npos);
    REQUIRE(win.wslmod({"remove", "fussy", "--cache", cache}, project).exit_code == 0);
    CHECK(sha(project / "modules.vhdx") == sha(gen2 / "modules.vhdx")); // the same inputs
    CHECK(json_of(win.wslmod({"--json", "status"}, project))["state"] == "current");

    // Rollback: A's kernel and image, and the .wslconfig that named them, byte for byte.
    auto back = win.wslmod({"rollback"});
    INFO(back.output);
    REQUIRE(back.exit_code == 0);
    CHECK(test::read_text(win.wslconfig()) == conf_a);
    auto gen1 = win.install_root() / a.release / "1";
    CHECK(sha(gen1 / "kernel") == sha(a.kernel));
    CHECK(sha(gen1 / "modules.vhdx") == image_a);

    // SIGKILL at each step in turn, on the same side (each run recovers what the last left):
    // .wslconfig names generation 1 or the new one, whole, never a mix.
    std::set<std::string> steps;
    int kills = 0;
    for (int step = 1; step < 60; ++step) {
        auto r = win.wslmod({"upgrade", "--no-verify", "--force", "--cache", cache}, project,
                            {{"WSLMOD_KILL_AT", std::to_string(step)}});
        INFO("step " << step << ": " << r.output);
        if (r.exit_code == 0) break;
        REQUIRE(r.exit_code == 128 + 9);
        ++kills;
        auto at = r.output.find(fmt::format("killed at step {} (", step));
        REQUIRE(at != std::string::npos);
        steps.insert(r.output.substr(at));
        auto conf = slurp_if(win.wslconfig());
        REQUIRE(conf);
        auto kernel = wsl::get_value(*conf, "wsl2", "kernel");
        auto modules = wsl::get_value(*conf, "wsl2", "kernelModules");
        REQUIRE(kernel);
        REQUIRE(modules);
        bool is_old = *conf == conf_a;
        if (is_old) {
            CHECK(sha(linux_path(win, *kernel)) == sha(a.kernel));
            CHECK(sha(linux_path(win, *modules)) == image_a);
        } else {
            CHECK(kernel->find(b.release) != std::string::npos);
            CHECK(sha(linux_path(win, *kernel)) == sha(b.kernel));
            CHECK(sha(linux_path(win, *modules)) == sha(project / "modules.vhdx"));
        }
    }
    CHECK(kills >= 10);
    auto settled = win.wslmod({"--json", "upgrade", "--check"}, project);
    CHECK(settled.exit_code == 0);
    CHECK(json_of(settled)["state"] == "current");

    // A bundle for B (WSL's kernel now) and, with --release, for A; `make` broken from here on.
    auto org = new_project(win, dir / "org", {a, b}, /*with_stock=*/true);
    REQUIRE(win.wslmod({"add", "hello", "--cache", cache}, org).exit_code == 0);
    auto bundle = dir / "org.wslmod.tar.zst";
    auto exported = win.wslmod({"--json", "bundle", "export", "-o", bundle.string(), "--release",
                                a.release, "--cache", cache},
                               org);
    INFO(exported.output);
    REQUIRE(exported.exit_code == 0);
    CHECK(json_of(exported)["releases"] == nlohmann::json::array({a.release}));
    auto import_on = [&](const Stock& s, const std::string& name) {
        wsl_ships(win, s);
        auto into = dir / name;
        kernel_inputs(into, {a, b}); // the importing side's own copies
        auto r = win.wslmod({"--json", "bundle", "import", bundle.string(), "--cache", cache}, into,
                            no_make);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        auto doc = json_of(r);
        CHECK(doc["compiled"] == false);
        CHECK(doc["identical"] == true);
        CHECK(doc["release"] == s.release);
        return into;
    };
    import_on(b, "import-b");
    auto on_a = import_on(a, "import-a");
    CHECK_FALSE(fs::exists(dir / "make-ran"));

    // Installed from the bundle for A; after WSL moves to B, upgrade assembles B's bundled build.
    auto inst_a = win.wslmod({"install", "--no-verify"}, on_a);
    INFO(inst_a.output);
    REQUIRE(inst_a.exit_code == 0);
    wsl_ships(win, b);
    auto bundled = win.wslmod({"--json", "upgrade", "--no-verify", "--force", "--cache", cache},
                              on_a, no_make);
    INFO(bundled.output);
    REQUIRE(bundled.exit_code == 0);
    auto bundled_doc = json_of(bundled);
    CHECK(bundled_doc["from_bundle"] == true);
    CHECK(bundled_doc["installed"]["release"] == b.release);
    CHECK_FALSE(fs::exists(dir / "make-ran"));
    CHECK(json_of(win.wslmod({"--json", "status"}, on_a))["state"] == "current");
}
