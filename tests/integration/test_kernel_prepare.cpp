// `wslmod kernel prepare` on Debian's linux-source tarball and published config.
#include <algorithm>
#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;

TEST_CASE("the prepared tree's kernelrelease is the stock release, with no fatal drift, and a "
          "second prepare hits the cache") {
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree(); // first or cached
    auto release = test::run_ok({"make", "-s", "-C", tree.string(), "kernelrelease"});
    CHECK(release == k.release + "\n");
    CHECK(std::filesystem::exists(tree / "Module.symvers"));
    CHECK(std::filesystem::exists(tree / "scripts/mod/modpost"));
    CHECK(std::filesystem::exists(tree / ".complete"));
    auto again =
        test::run_wslmod({"--json", "kernel", "prepare", "--source", k.source.string(), "--config",
                          k.config.string(), "--stock-kernel", k.kernel.string(), "--stock-modules",
                          k.modules.string(), "--cache",
                          (std::filesystem::path(WSLMOD_BINARY_DIR) / "tests/cache").string()});
    INFO(again.output);
    CHECK(again.exit_code == 0);
    CHECK(again.output.find("\"cache_hit\": true") != std::string::npos);
    CHECK(again.output.find("\"class\": \"fatal\"") == std::string::npos);
    CHECK(again.output.find("CONFIG_MODULE_SIG_KEY") != std::string::npos); // a note, as expected
}

TEST_CASE("with pahole hidden from PATH the drift check fails once, naming DEBUG_INFO_BTF and "
          "dwarves, with what fell with it") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("prepare-no-pahole");
    // A PATH with every program of /usr/bin and /usr/sbin except pahole.
    auto bin = dir / "bin";
    std::filesystem::create_directories(bin);
    for (auto d : {"/usr/bin", "/usr/sbin"})
        for (const auto& e : std::filesystem::directory_iterator(d)) {
            auto name = e.path().filename();
            if (name == "pahole" || std::filesystem::exists(bin / name)) continue;
            std::filesystem::create_symlink(e.path(), bin / name);
        }
    util::SystemRunner r;
    // --json: the refusal's every item on stdout, the one-line message on stderr (to a file).
    auto err = dir / "stderr";
    auto out = r.run(
        util::Command({"sh", "-c", "exec \"$@\" 2>\"$0\"", err.string(),
                       test::wslmod_binary().string(), "--json", "kernel", "prepare", "--source",
                       k.source.string(), "--config", k.config.string(), "--stock-kernel",
                       k.kernel.string(), "--cache", (dir / "cache").string()})
            .with_env("PATH", bin.string()));
    REQUIRE(out);
    auto message = test::read_text(err);
    INFO(message);
    INFO(out->output);
    CHECK(out->exit_code == 1);
    CHECK(std::count(message.begin(), message.end(), '\n') == 1);
    // Debian's 6.12 config has DEBUG_INFO_BTF_MODULES and MODULE_ALLOW_BTF_MISMATCH on, and
    // both depend on DEBUG_INFO_BTF in lib/Kconfig.debug: one cause, not three lines.
    CHECK(message.find("CONFIG_DEBUG_INFO_BTF: published y, now unset, and with it "
                       "CONFIG_DEBUG_INFO_BTF_MODULES") != std::string::npos);
    CHECK(message.find("dwarves") != std::string::npos);
    CHECK(message.find("CONFIG_DEBUG_INFO_BTF_MODULES:") == std::string::npos);
    auto doc = nlohmann::json::parse(out->output);
    CHECK(doc["error"] == message.substr(message.find("error: ") + 7,
                                         message.size() - message.find("error: ") - 8));
    bool modules_under_btf = false;
    for (const auto& item : doc["drift"])
        if (item["symbol"] == "CONFIG_DEBUG_INFO_BTF_MODULES")
            modules_under_btf = item["root"] == "CONFIG_DEBUG_INFO_BTF" && item["class"] == "fatal";
    CHECK(modules_under_btf);
    // Nothing that looks like a valid cache entry is left behind.
    for (const auto& e : std::filesystem::directory_iterator(dir / "cache/trees"))
        CHECK_FALSE(std::filesystem::exists(e.path() / ".complete"));
}

TEST_CASE("a stock kernel that disagrees with the stock modules is refused with both releases") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("prepare-mismatch");
    auto mods = dir / "6.1.0-fake";
    std::filesystem::create_directories(mods / "kernel");
    // A module from "another release": the hello module with its vermagic overwritten in place
    // (same length, so the ELF stays intact).
    auto hello = test::build_playground_module("hello", test::prepared_tree(), dir / "hello");
    std::string fake = "6.1.0-99-wslmodfake";
    fake.resize(k.release.size(), '1'); // as long as the release it replaces
    test::run_ok({"sh", "-c",
                  "sed 's/vermagic=" + k.release + "/vermagic=" + fake + "/' '" + hello.string() +
                      "' > '" + (mods / "kernel/hello.ko").string() + "'"});
    std::ofstream(mods / "modules.dep") << "kernel/hello.ko:\n";
    auto r =
        test::run_wslmod({"kernel", "prepare", "--source", k.source.string(), "--config",
                          k.config.string(), "--stock-kernel", k.kernel.string(), "--stock-modules",
                          mods.string(), "--cache", (dir / "cache").string()});
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find(fake) != std::string::npos);
    CHECK(r.output.find(k.release) != std::string::npos);
}

TEST_CASE(
    "a killed prepare leaves no entry that looks valid, and its leftovers are cleared next time") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("prepare-killed");
    auto cache = dir / "cache";
    std::vector<std::string> args{test::wslmod_binary().string(),
                                  "kernel",
                                  "prepare",
                                  "--source",
                                  k.source.string(),
                                  "--config",
                                  k.config.string(),
                                  "--stock-kernel",
                                  k.kernel.string(),
                                  "--cache",
                                  cache.string()};
    util::SystemRunner r;
    auto first =
        r.run(util::Command(args).with_timeout(std::chrono::seconds(3))); // SIGKILL mid-extraction
    REQUIRE(first);
    REQUIRE(first->timed_out);
    std::vector<std::filesystem::path> leftovers;
    for (const auto& e : std::filesystem::directory_iterator(cache / "trees")) {
        CHECK_FALSE(std::filesystem::exists(e.path() / ".complete"));
        leftovers.push_back(e.path());
    }
    CHECK_FALSE(leftovers.empty());
    auto second = r.run(util::Command(args).with_timeout(std::chrono::seconds(3)));
    REQUIRE(second);
    for (const auto& p : leftovers)
        CHECK_FALSE(std::filesystem::exists(p)); // the dead run's folder is gone
}

TEST_CASE("a source URL without its SHA-256 is refused before anything is downloaded") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("prepare-url");
    auto r = test::run_wslmod({"kernel", "prepare", "--source", "file://" + k.source.string(),
                               "--config", k.config.string(), "--stock-kernel", k.kernel.string(),
                               "--cache", (dir / "cache").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("a source URL needs its SHA-256") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "cache/sources"));
}

namespace {
// A stand-in source folder whose Makefile answers olddefconfig and kernelrelease the way Kbuild
// does: the base, then localversion* files, then LOCALVERSION, then '+' when LOCALVERSION is unset
// and `plus` is true (as setlocalversion does for a git tree with changes).
std::filesystem::path fake_source(const std::filesystem::path& dir, const std::string& base,
                                  bool plus) {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "Makefile")
        << "olddefconfig:\n\t@true\nkernelrelease:\n\t@echo \"" << base
        << "$$(cat localversion* 2>/dev/null)$(LOCALVERSION)"
        << (plus ? "$(if $(filter undefined,$(origin LOCALVERSION)),+)" : "") << "\"\n";
    return dir;
}
} // namespace

TEST_CASE("a source of another version than the stock kernel, or one that adds '+', is refused") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("prepare-fake-source");
    auto wrong = test::run_wslmod({"kernel", "prepare", "--source",
                                   fake_source(dir / "old", "5.10.0", false).string(), "--config",
                                   k.config.string(), "--stock-kernel", k.kernel.string(),
                                   "--cache", (dir / "cache").string()});
    INFO(wrong.output);
    CHECK(wrong.exit_code == 2);
    CHECK(wrong.output.find("'5.10.0'") != std::string::npos);
    CHECK(wrong.output.find("'" + k.release + "'") != std::string::npos);

    auto base = k.release.substr(0, k.release.find('+'));
    auto dirty = test::run_wslmod({"kernel", "prepare", "--source",
                                   fake_source(dir / "dirty", base, true).string(), "--config",
                                   k.config.string(), "--stock-kernel", k.kernel.string(),
                                   "--cache", (dir / "cache").string()});
    INFO(dirty.output);
    CHECK(dirty.exit_code == 2);
    CHECK(dirty.output.find("trailing '+'") != std::string::npos);
    for (const auto& e : std::filesystem::directory_iterator(dir / "cache/trees"))
        CHECK_FALSE(std::filesystem::exists(e.path() / ".complete"));
}
