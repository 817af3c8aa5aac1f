// The merge step on the Debian stand-in kernel: depmod on the decompressed twins writes exactly
// the indexes Debian shipped, libkmod verifies the whole stock tree, and `wslmod build` refuses
// an unresolved symbol or a stock-name clash without touching the previous image.
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "modules/depmod.h"
#include "modules/staging.h"
#include "modules/stock.h"
#include "modules/verify.h"
#include "support/catch.h"
#include "support/devel_tree.h"
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
fs::path fixture_recipes() {
    return fs::path(WSLMOD_SOURCE_DIR) / "tests/fixtures/recipes";
}

std::string sha_of(const fs::path& p) {
    auto d = util::sha256_file(p);
    REQUIRE(d);
    return util::to_hex(*d);
}

// `wslmod build` on the prepared Debian tree with the Debian stock modules folder.
util::CommandOutput build(const std::vector<std::string>& names, const fs::path& out,
                          bool json = false) {
    const auto& k = test::debian_kernel();
    std::vector<std::string> argv;
    if (json) argv.push_back("--json");
    argv.insert(argv.end(), {"build", "--kernel", test::prepared_tree().string(), "--stock-modules",
                             k.modules.string(), "--cache", shared_cache().string(), "--recipes",
                             fixture_recipes().string(), "-o", out.string()});
    argv.insert(argv.end(), names.begin(), names.end());
    return test::run_wslmod(argv);
}

} // namespace

TEST_CASE("depmod on the stock tree's plain twins writes the very indexes Debian shipped, and "
          "libkmod verifies it") {
    test::require_program("depmod");
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("modules-assemble-stock");
    auto stock = modules::open_stock(k.modules, shared_cache(), 2);
    REQUIRE(stock);
    CHECK(stock->release == k.release);
    CHECK(stock->modules.size() > 4000);

    modules::StageSpec spec{&*stock, k.release, modules::Compression::xz, {}, {}, shared_cache()};
    auto staging = modules::Staging::create(spec, dir / "work");
    REQUIRE(staging);
    util::SystemRunner runner;
    auto issues = modules::run_depmod(runner, staging->depmod_base(), k.release, k.symvers);
    REQUIRE(issues);
    CHECK(issues->empty());
    for (const auto& name : modules::depmod_outputs()) {
        if (!fs::exists(k.modules / name)) continue; // kmod 30 writes no modules.weakdep
        INFO(name);
        CHECK(test::load_bytes(staging->plain_root() / name) == test::load_bytes(k.modules / name));
        fs::copy_file(staging->plain_root() / name, staging->root() / name);
    }
    auto report = modules::verify_tree({staging->root(), staging->plain_root(), k.release, {}, 2});
    INFO((report ? "" : report.error().message()));
    REQUIRE(report);
    CHECK(report->modules == stock->modules.size());
    CHECK(report->aliases > 20000);
    CHECK(report->dependencies > 1000);

    // The same check refuses a tree whose module was built for another release.
    auto victim = staging->plain_root() / stock->modules.front().path;
    auto bytes = test::load_bytes(victim);
    std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    auto at = text.find("vermagic=" + k.release);
    REQUIRE(at != std::string::npos);
    text[at + 9] = text[at + 9] == '9' ? '8' : '9'; // another major version, same length
    fs::remove(victim); // a hard link into the cache entry: replace it, do not write through it
    std::ofstream(victim, std::ios::binary) << text;
    auto refused = modules::verify_tree({staging->root(), staging->plain_root(), k.release, {}, 2});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message().find("is not release " + k.release) != std::string::npos);
    CHECK(refused.error().message().find(stock->modules.front().path) != std::string::npos);
}

TEST_CASE("wslmod build: an unresolved symbol fails at depmod and a stock-name clash fails, "
          "leaving the image as it was") {
    auto dir = test::scratch_dir("modules-assemble-refusals");
    auto out = dir / "out/modules.vhdx";
    auto first = build({"hello"}, out, true);
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    auto doc = nlohmann::json::parse(first.output.substr(first.output.find('{')));
    CHECK(doc["image"]["counts"]["added"] == 1);
    CHECK(doc["image"]["sha256"] == sha_of(out));
    auto before = sha_of(out);

    auto broken = build({"hello", "wslmod-broken"}, out);
    INFO(broken.output);
    CHECK(broken.exit_code == 1);
    CHECK(broken.output.find("wslmod_nobody_exports_this") != std::string::npos);
    CHECK(broken.output.find("wslmod_broken") != std::string::npos);
    CHECK(broken.output.find("recipe wslmod-broken") != std::string::npos);
    CHECK(broken.output.find("was not changed") != std::string::npos);
    CHECK(sha_of(out) == before);
    CHECK_FALSE(fs::exists(out.string() + ".prev"));

    auto clash = build({"wslmod-dummy"}, out);
    INFO(clash.output);
    CHECK(clash.exit_code == 2);
    CHECK(clash.output.find("kernel/drivers/net/dummy.ko.xz") != std::string::npos);
    CHECK(clash.output.find("replaces = [\"dummy\"]") != std::string::npos);
    CHECK(sha_of(out) == before);

    // Nothing half-written beside the image.
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(out.parent_path())) {
        INFO(e.path());
        CHECK(e.path() == out);
        ++files;
    }
    CHECK(files == 1);
}

TEST_CASE("wslmod build keeps the previous image as .prev, and inspect --diff names exactly the "
          "added modules") {
    test::require_program("qemu-img");
    test::require_program("e2fsck");
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("modules-assemble-prev");
    auto out = dir / "modules.vhdx";
    auto one = build({"hello"}, out);
    INFO(one.output);
    REQUIRE(one.exit_code == 0);
    auto first = sha_of(out);
    auto two = build({"hello", "wslmod-consumer"}, out); // pulls in wslmod-provider
    INFO(two.output);
    REQUIRE(two.exit_code == 0);
    CHECK(sha_of(out.string() + ".prev") == first);
    CHECK(two.output.find(out.string() + ".prev") != std::string::npos);
    CHECK(two.output.find("kernelModules=") != std::string::npos);
    test::run_ok({"qemu-img", "check", out.string()});

    auto diff = test::run_wslmod({"--json", "inspect", out.string(), "--diff", k.modules.string()});
    INFO(diff.output);
    REQUIRE(diff.exit_code == 0);
    auto d = nlohmann::json::parse(diff.output);
    std::set<std::string> added;
    for (const auto& m : d["added"]) {
        added.insert(m["name"].get<std::string>());
        CHECK(m["vermagic"].get<std::string>().starts_with(k.release + " "));
    }
    CHECK(added == std::set<std::string>{"hello", "wslmod_consumer", "wslmod_provider"});
    CHECK(d["removed"].empty());
    CHECK(d["changed"].empty());
    CHECK(d["release"] == k.release);
}
