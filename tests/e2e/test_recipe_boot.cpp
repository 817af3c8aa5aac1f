// Modules built by `wslmod recipe build` load in the stock kernel, booted with a modules image
// mounted the WSL way: a DKMS package imported as a recipe, in-tree drivers built from the
// kernel source with the stock copies taken out, and a recipe that links against another's
// exported symbol.  Every test checks what the guest saw, not only exit codes.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/debian_boot.h"
#include "support/devel_tree.h"
#include "support/prereq.h"
#include "support/run.h"
#include "verify/boot.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

// Shared with the prepared tree and the integration tests, so that repeated runs are cached.
fs::path shared_cache() {
    return fs::path(WSLMOD_BINARY_DIR) / "tests/cache";
}

// `wslmod --json recipe build ARGS... --kernel TREE --cache <shared>`, required to succeed.
nlohmann::json recipe_build(const std::vector<std::string>& args, const fs::path& tree) {
    std::vector<std::string> argv{"--json", "recipe", "build"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--kernel", tree.string(), "--cache", shared_cache().string()});
    auto r = test::run_wslmod(argv);
    INFO("wslmod " << util::shell_quote(argv) << "\n" << r.output);
    REQUIRE(r.exit_code == 0);
    auto at = r.output.find('{');
    REQUIRE(at != std::string::npos);
    auto doc = nlohmann::json::parse(r.output.substr(at), nullptr, false);
    REQUIRE_FALSE(doc.is_discarded());
    REQUIRE(doc["failed"].empty());
    CHECK(doc["release"] == test::debian_kernel().release);
    return doc;
}

struct Built {
    std::string name, dest;
    fs::path file;
};

// The modules that `recipe` built, from the JSON; requires that it was built.
std::vector<Built> modules_of(const nlohmann::json& doc, const std::string& recipe) {
    for (const auto& b : doc["builds"]) {
        if (b["recipe"] != recipe) continue;
        std::vector<Built> out;
        for (const auto& m : b["modules"])
            out.push_back({m["name"].get<std::string>(), m["dest"].get<std::string>(),
                           m["file"].get<std::string>()});
        return out;
    }
    INFO(doc.dump(2));
    FAIL("recipe " << recipe << " is not among the builds");
    return {};
}

const Built& module_named(const std::vector<Built>& mods, const std::string& name) {
    auto it =
        std::find_if(mods.begin(), mods.end(), [&](const Built& m) { return m.name == name; });
    INFO("module " << name);
    REQUIRE(it != mods.end());
    return *it;
}

// A module's name as /proc/modules spells it.
std::string kernel_name(std::string name) {
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

// The module names listed in /proc/modules text.
std::set<std::string> loaded_modules(const std::string& proc_modules) {
    std::set<std::string> out;
    std::istringstream in(proc_modules);
    for (std::string line; std::getline(in, line);)
        if (auto name = line.substr(0, line.find(' ')); !name.empty()) out.insert(name);
    return out;
}

// The /proc/modules line of `name` (empty when it is not loaded).
std::string proc_modules_line(const std::string& proc_modules, const std::string& name) {
    std::istringstream in(proc_modules);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(name + " ")) return line;
    return {};
}

// What a .ko needs loaded first (`modinfo -F depends`), in kernel spelling.
std::vector<std::string> depends_of(const fs::path& ko) {
    std::vector<std::string> out;
    std::istringstream in(test::run_ok({"modinfo", "-F", "depends", ko.string()}));
    for (std::string d; std::getline(in, d, ',');) {
        d.erase(std::remove_if(d.begin(), d.end(), [](char c) { return c == '\n' || c == ' '; }),
                d.end());
        if (!d.empty()) out.push_back(kernel_name(d));
    }
    return out;
}

std::string vermagic_of(const fs::path& ko) {
    return test::run_ok({"modinfo", "-F", "vermagic", ko.string()});
}

// A modules image: the stock tree without its own copies of `mods` (any compression), and
// `mods` at their dest; depmod run, packed by wslmod.  Returns the image and the stock files
// taken out (relative to the modules folder).
std::pair<fs::path, std::vector<std::string>> image_replacing_stock(const std::vector<Built>& mods,
                                                                    const fs::path& dir) {
    const auto& k = test::debian_kernel();
    auto root = dir / "root";
    auto tree = root / "lib/modules" / k.release;
    fs::remove_all(root);
    fs::create_directories(tree.parent_path());
    test::run_ok({"cp", "-a", k.modules.string(), tree.string()});

    std::set<std::string> names;
    for (const auto& m : mods)
        names.insert(kernel_name(m.name));
    std::vector<fs::path> stock;
    for (const auto& e : fs::recursive_directory_iterator(tree)) {
        auto file = e.path().filename().string();
        auto ko = file.find(".ko");
        if (e.is_regular_file() && ko != std::string::npos &&
            names.count(kernel_name(file.substr(0, ko))))
            stock.push_back(e.path());
    }
    std::vector<std::string> removed;
    for (const auto& p : stock) {
        removed.push_back(p.lexically_relative(tree).string());
        fs::remove(p);
    }
    for (const auto& m : mods) {
        fs::create_directories(tree / m.dest);
        fs::copy_file(m.file, tree / m.dest / m.file.filename());
    }
    test::run_ok({"depmod", "-b", root.string(), k.release});
    auto img = dir / "modules.vhdx";
    auto r = test::run_wslmod({"image", "pack", tree.string(), "-o", img.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return {img, removed};
}

} // namespace

TEST_CASE("v4l2loopback imported from Debian's DKMS source loads and creates /dev/video") {
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("recipe-boot-v4l2loopback");
    auto patch = fs::path(WSLMOD_SOURCE_DIR) /
                 "module-recipes/v4l2loopback/patches/0001-strlcpy-is-strscpy-since-6.8.patch";
    auto recipe_dir = dir / "recipes/v4l2loopback"; // the folder must carry the recipe's name
    auto imported =
        test::run_wslmod({"recipe", "import-dkms", test::dkms_source("v4l2loopback-dkms").string(),
                          "-o", recipe_dir.string(), "--patch", patch.string()});
    INFO(imported.output);
    REQUIRE(imported.exit_code == 0);
    REQUIRE(fs::exists(recipe_dir / "recipe.toml"));

    auto doc = recipe_build({recipe_dir.string()}, tree);
    auto mods = modules_of(doc, "v4l2loopback");
    REQUIRE(mods.size() == 1);
    const auto& ko = module_named(mods, "v4l2loopback").file;
    CHECK(vermagic_of(ko).starts_with(k.release + " "));
    auto deps = depends_of(ko);
    CHECK(std::find(deps.begin(), deps.end(), "videodev") != deps.end()); // it is a V4L2 driver

    auto spec = test::debian_boot_spec(dir / "boot");
    spec.disk = test::image_with({ko}, dir);
    spec.commands = {"modprobe v4l2loopback", "cat /proc/modules",
                     "for d in /dev/video*; do [ -c \"$d\" ] && echo \"char device $d\"; done; "
                     "cat /sys/class/video4linux/video*/name"};
    auto result = test::boot_ok(spec, 3);
    INFO(result.describe());
    CHECK(result.report.commands[0].exit_code == 0);
    auto loaded = loaded_modules(result.report.commands[1].output);
    CHECK(loaded.count("v4l2loopback"));
    for (const auto& d : deps) {
        INFO("dependency " << d);
        CHECK(loaded.count(d));
    }
    const auto& devices = result.report.commands[2].output;
    CHECK(devices.find("char device /dev/video") != std::string::npos);
    CHECK(devices.find("Dummy video device") !=
          std::string::npos); // v4l2loopback's own device name
}

TEST_CASE("three usbip-extra drivers load with their dependencies") {
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("recipe-boot-usbip-extra");
    auto doc = recipe_build({"usbip-extra"}, tree);
    auto mods = modules_of(doc, "usbip-extra");
    const std::vector<std::string> drivers{"xr_serial", "dm9601", "hid-multitouch"};
    std::map<std::string, std::vector<std::string>> deps;
    for (const auto& d : drivers) {
        const auto& m = module_named(mods, d);
        INFO(m.file);
        CHECK(m.dest == "extra/usbip-extra");
        CHECK(vermagic_of(m.file).starts_with(k.release + " "));
        deps[d] = depends_of(m.file);
        CHECK_FALSE(deps[d].empty()); // each needs a stock helper: usbserial, usbnet/mii, hid
    }

    // The stock kernel ships these drivers too: take its copies out, so what loads is ours.
    auto packed = image_replacing_stock(mods, dir);
    const auto& removed = packed.second;
    std::string removed_list;
    for (const auto& r : removed)
        removed_list += "  " + r + "\n";
    INFO("stock copies removed:\n" << removed_list);
    for (const auto& d : drivers) {
        INFO("stock copy of " << d);
        CHECK(std::any_of(removed.begin(), removed.end(), [&](const std::string& r) {
            return fs::path(r).filename().string().starts_with(d + ".ko");
        }));
    }

    auto spec = test::debian_boot_spec(dir / "boot");
    spec.disk = packed.first;
    spec.commands = {"modprobe xr_serial", "modprobe dm9601", "modprobe hid-multitouch",
                     "cat /proc/modules",
                     "for m in xr_serial dm9601 hid_multitouch; do "
                     "echo \"$m file=$(modinfo -n $m) taint=$(cat /sys/module/$m/taint)\"; done"};
    auto result = test::boot_ok(spec, 5);
    INFO(result.describe());
    for (size_t i = 0; i < drivers.size(); ++i) {
        INFO("modprobe " << drivers[i]);
        CHECK(result.report.commands[i].exit_code == 0);
    }
    const auto& proc_modules = result.report.commands[3].output;
    auto loaded = loaded_modules(proc_modules);
    for (const auto& d : drivers) {
        INFO("driver " << d);
        CHECK(loaded.count(kernel_name(d)));
        for (const auto& dep : deps[d]) {
            INFO("dependency " << dep);
            CHECK(loaded.count(dep));
            // and the driver holds it: /proc/modules lists the users of each module
            CHECK(proc_modules_line(proc_modules, dep).find(kernel_name(d)) != std::string::npos);
        }
    }
    // What modprobe resolved is the recipe's copy, and the kernel saw an out-of-tree module (taint
    // O).
    std::istringstream origins(result.report.commands[4].output);
    size_t seen = 0;
    for (std::string line; std::getline(origins, line);) {
        for (const auto& d : drivers) {
            if (!line.starts_with(kernel_name(d) + " ")) continue;
            ++seen;
            INFO(line);
            CHECK(line.find("file=/lib/modules/" + k.release + "/extra/usbip-extra/" + d +
                            ".ko ") != std::string::npos);
            auto taint = line.substr(line.find("taint="));
            CHECK(taint.find('O') != std::string::npos);
        }
    }
    CHECK(seen == drivers.size());
}

TEST_CASE("a recipe using another recipe's exported symbol builds and both load") {
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("recipe-boot-provider-consumer");
    auto recipes = fs::path(WSLMOD_SOURCE_DIR) / "tests/fixtures/recipes";
    auto doc = recipe_build({"wslmod-consumer", "--recipes", recipes.string()}, tree);
    INFO(doc.dump(2));
    REQUIRE(doc["builds"].size() == 2); // the provider built as a dependency, without being named
    for (const auto& b : doc["builds"])
        CHECK(b["requested"] == (b["recipe"] == "wslmod-consumer"));
    auto provider = module_named(modules_of(doc, "wslmod-provider"), "wslmod_provider");
    auto consumer = module_named(modules_of(doc, "wslmod-consumer"), "wslmod_consumer");
    CHECK(vermagic_of(provider.file).starts_with(k.release + " "));
    CHECK(vermagic_of(consumer.file).starts_with(k.release + " "));
    auto deps = depends_of(consumer.file);
    CHECK(std::find(deps.begin(), deps.end(), "wslmod_provider") != deps.end());
    // modpost found the symbol's CRC in the provider's Module.symvers (KBUILD_EXTRA_SYMBOLS):
    // without it the consumer carries no version for the symbol and the kernel would refuse it.
    auto versions = test::run_ok({"modprobe", "--dump-modversions", consumer.file.string()});
    CHECK(versions.find("\twslmod_provider_answer\n") != std::string::npos);

    auto spec = test::debian_boot_spec(dir / "boot");
    spec.disk = test::image_with({provider.file, consumer.file}, dir);
    spec.commands = {"modprobe wslmod_consumer", "cat /proc/modules", "dmesg | grep wslmod-"};
    auto result = test::boot_ok(spec, 3);
    INFO(result.describe());
    CHECK(result.report.commands[0].exit_code == 0);
    const auto& proc_modules = result.report.commands[1].output;
    auto loaded = loaded_modules(proc_modules);
    CHECK(loaded.count("wslmod_provider"));
    CHECK(loaded.count("wslmod_consumer"));
    CHECK(proc_modules_line(proc_modules, "wslmod_provider").find("wslmod_consumer") !=
          std::string::npos); // used by
    const auto& log = result.report.commands[2].output;
    auto provider_line = log.find("wslmod-provider: loaded");
    auto consumer_line = log.find("wslmod-consumer: the provider answered 42");
    CHECK(provider_line != std::string::npos);
    CHECK(consumer_line != std::string::npos);
    CHECK(provider_line < consumer_line);
}
