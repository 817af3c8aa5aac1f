// wslmod.lock on the Debian stand-in: a project build writes it, `build --locked` refuses an
// edited patch or a changed stock kernel before anything compiles and names the input,
// `status` reports outdated and stale, and two builds from one lock (other folder, cache,
// user, umask and -j) give the same image, byte for byte.
#include <chrono>
#include <fstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "kernel/profile.h"
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

std::string sha_of(const fs::path& p) {
    auto d = util::sha256_file(p);
    REQUIRE(d);
    return util::to_hex(*d);
}

nlohmann::json json_of(const util::CommandOutput& out) {
    auto at = out.output.find('{');
    REQUIRE(at != std::string::npos);
    return nlohmann::json::parse(out.output.substr(at));
}

// `wslmod ARGS` in `dir`.
util::CommandOutput wslmod_in(const fs::path& dir, std::vector<std::string> args) {
    args.insert(args.begin(), test::wslmod_binary().string());
    return test::run_tool(args, dir);
}

// A project recipe whose source is patched: GREETING "a" becomes `greeting`.  `nonce` goes into
// the source, so that a test can make sure no earlier run's build is in the cache.
void write_patched_recipe(const fs::path& project, const std::string& greeting,
                          const std::string& nonce = "") {
    auto r = project / "recipes/wslmod-patched";
    fs::create_directories(r / "files");
    fs::create_directories(r / "patches");
    std::ofstream(r / "recipe.toml")
        << "name = \"wslmod-patched\"\nversion = \"1.0\"\nsummary = \"x\"\nlicense = \"GPL-2.0\"\n"
           "patches = [\"patches/0001-greeting.patch\"]\n[source]\npath = \"files\"\n"
           "[build]\nmodules = [\"wslmod_patched\"]\n";
    std::ofstream(r / "files/Kbuild") << "obj-m := wslmod_patched.o\n";
    std::ofstream(r / "files/wslmod_patched.c")
        << "#define GREETING \"a\"\n// " << nonce
        << "\n#include <linux/module.h>\n"
           "static int __init f(void) { pr_info(GREETING \"\\n\"); return 0; "
           "}\nmodule_init(f);\nMODULE_LICENSE(\"GPL\");\n";
    std::ofstream(r / "patches/0001-greeting.patch")
        << "--- a/wslmod_patched.c\n+++ b/wslmod_patched.c\n@@ -1 +1 @@\n"
           "-#define GREETING \"a\"\n+#define GREETING \""
        << greeting << "\"\n";
}

} // namespace

TEST_CASE("a project build writes wslmod.lock, and --locked and status name an edited patch and a "
          "changed stock kernel") {
    test::prepared_tree(); // the debian profile prepares this same tree
    auto dir = test::scratch_dir("cli-lock");
    REQUIRE(wslmod_in(dir, {"init", "--profile", "debian"}).exit_code == 0);
    auto nonce = std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    write_patched_recipe(dir, "b", nonce);
    auto cache = std::vector<std::string>{"--cache", shared_cache().string()};
    auto with_cache = [&](std::vector<std::string> args) {
        args.insert(args.end(), cache.begin(), cache.end());
        return args;
    };

    auto added = wslmod_in(dir, with_cache({"--json", "add", "wslmod-patched"}));
    INFO(added.output);
    REQUIRE(added.exit_code == 0);
    REQUIRE(fs::exists(dir / "wslmod.lock"));
    auto lock_text = test::read_text(dir / "wslmod.lock");
    auto lock = nlohmann::json::parse(lock_text);
    auto image = sha_of(dir / "modules.vhdx");
    CHECK(lock["image"] == image);
    CHECK(lock["release"] == test::debian_kernel().release);
    CHECK(lock["kernel"]["stock-kernel"] == sha_of(test::debian_kernel().kernel));
    CHECK(lock["kernel"]["config"] == sha_of(test::debian_kernel().config));
    CHECK(lock["kernel"]["symvers"] == "-");
    auto files = lock["recipes"]["wslmod-patched"]["files"];
    CHECK(files["patches/0001-greeting.patch"] ==
          sha_of(dir / "recipes/wslmod-patched/patches/0001-greeting.patch"));
    CHECK(files.size() == 4);
    CHECK(lock["recipes"]["wslmod-patched"]["modules"] ==
          nlohmann::json::array({"extra/wslmod-patched/wslmod_patched"}));
    CHECK(lock_text.find(dir.string()) == std::string::npos); // no paths of this machine

    auto status = wslmod_in(dir, {"--json", "status"});
    INFO(status.output);
    CHECK(status.exit_code == 0);
    CHECK(json_of(status)["state"] == "current");

    // --locked with nothing changed: builds, matches, leaves the lock as it was.
    auto same = wslmod_in(dir, with_cache({"--json", "build", "--locked"}));
    INFO(same.output);
    REQUIRE(same.exit_code == 0);
    CHECK(json_of(same)["image"]["warnings"].empty());
    CHECK(test::read_text(dir / "wslmod.lock") == lock_text);
    CHECK(sha_of(dir / "modules.vhdx") == image);

    // An edited patch: status says outdated, --locked refuses before building and names it.
    write_patched_recipe(dir, "c", nonce);
    auto outdated = wslmod_in(dir, {"--json", "status"});
    INFO(outdated.output);
    CHECK(outdated.exit_code == 1);
    auto od = json_of(outdated);
    CHECK(od["state"] == "outdated");
    CHECK(od["outdated"] ==
          nlohmann::json::array({"recipe wslmod-patched: patches/0001-greeting.patch changed"}));
    auto refused = wslmod_in(dir, with_cache({"build", "--locked"}));
    INFO(refused.output);
    CHECK(refused.exit_code == 2);
    CHECK(refused.output.find("recipe wslmod-patched: patches/0001-greeting.patch changed") !=
          std::string::npos);
    CHECK(refused.output.find("wslmod.lock") != std::string::npos);
    CHECK(refused.output.find("built wslmod-patched") == std::string::npos); // nothing compiled
    CHECK(test::read_text(dir / "wslmod.lock") == lock_text);
    CHECK(sha_of(dir / "modules.vhdx") == image);

    // Without --locked the build takes the edit and rewrites the lock.
    auto rebuilt = wslmod_in(dir, with_cache({"build"}));
    INFO(rebuilt.output);
    REQUIRE(rebuilt.exit_code == 0);
    CHECK(rebuilt.output.find("built wslmod-patched") != std::string::npos);
    CHECK(test::read_text(dir / "wslmod.lock") != lock_text);
    CHECK(wslmod_in(dir, {"status"}).exit_code == 0);

    // A stock kernel that changed (as after a WSL update): stale, and --locked names it.
    auto kernel_copy = dir / "vmlinuz-updated";
    fs::copy_file(test::debian_kernel().kernel, kernel_copy);
    std::ofstream(kernel_copy, std::ios::app) << '\0';
    auto manifest = test::read_text(dir / "wslmod.toml");
    auto at = manifest.find("[kernel]\n");
    REQUIRE(at != std::string::npos);
    manifest.insert(at + 9, "stock-kernel = \"vmlinuz-updated\"\n");
    std::ofstream(dir / "wslmod.toml", std::ios::trunc) << manifest;
    auto stale = wslmod_in(dir, {"--json", "status"});
    INFO(stale.output);
    CHECK(stale.exit_code == 1);
    auto sd = json_of(stale);
    CHECK(sd["state"] == "stale");
    CHECK(sd["stale"] ==
          nlohmann::json::array({"the stock-kernel changed since the image was built"}));
    auto stale_locked = wslmod_in(dir, with_cache({"build", "--locked"}));
    INFO(stale_locked.output);
    CHECK(stale_locked.exit_code == 2);
    CHECK(stale_locked.output.find("kernel input stock-kernel") != std::string::npos);
}

TEST_CASE("two builds from one lock, in other folders, caches, users, umasks and -j, give the same "
          "image") {
    const auto& deb = test::debian_kernel();
    test::require_program("setpriv");
    auto root = test::scratch_dir("cli-repro");
    // Inputs that another user can read: hard links to the fixture (which may sit in root's home).
    auto inputs = root / "inputs";
    fs::create_directories(inputs);
    fs::create_hard_link(deb.source, inputs / "linux-source.tar.xz");
    fs::create_hard_link(deb.config, inputs / "config");
    fs::create_hard_link(deb.kernel, inputs / "vmlinuz");
    test::run_ok({"cp", "-a", "--link", deb.modules.string(), (inputs / "modules").string()});
    fs::copy_file(test::wslmod_binary(), inputs / "wslmod");
    auto manifest =
        "[kernel]\nprofile = \"custom\"\nsource = \"" + (inputs / "linux-source.tar.xz").string() +
        "\"\nconfig = \"" + (inputs / "config").string() + "\"\nstock-kernel = \"" +
        (inputs / "vmlinuz").string() + "\"\nstock-modules = \"" + (inputs / "modules").string() +
        "\"\n\n[recipes]\nhello = \"*\"\n"
        "wslmod-consumer = \"*\"\nwslmod-patched = \"*\"\n";
    auto project = [&](const std::string& name) {
        auto p = root / name;
        fs::create_directories(p / "recipes");
        std::ofstream(p / "wslmod.toml") << manifest;
        const fs::path src(WSLMOD_SOURCE_DIR);
        const std::vector<std::pair<fs::path, std::string>> recipes{
            {src / "module-recipes", "hello"},
            {src / "tests/fixtures/recipes", "wslmod-provider"},
            {src / "tests/fixtures/recipes", "wslmod-consumer"}};
        for (const auto& [from, r] : recipes)
            fs::copy(from / r, p / "recipes" / r, fs::copy_options::recursive);
        write_patched_recipe(p, "b");
        return p;
    };
    auto a = project("a"), b = project("a-different/place/b");

    // A: this user, umask 022, -j2, the shared test cache.
    auto first =
        test::run_tool({"sh", "-c", "umask 022; exec \"$0\" \"$@\"", (inputs / "wslmod").string(),
                        "--json", "build", "-j", "2", "--cache", shared_cache().string()},
                       a);
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    fs::path tree = json_of(first)["tree"].get<std::string>();
    fs::copy_file(a / "wslmod.lock", b / "wslmod.lock");

    // B: from A's lock, with a cache of its own, umask 077, -j1, and as nobody when we are root.
    auto cache_b = root / "cache-b";
    fs::create_directories(cache_b);
    std::vector<std::string> argv;
    const std::vector<std::string> as_nobody{"setpriv", "--reuid=65534", "--regid=65534",
                                             "--clear-groups", "--"};
    bool other_user = ::geteuid() == 0;
    if (other_user) {
        test::run_ok({"chown", "-R", "65534:65534", b.string(), cache_b.string()});
        // A checkout under a private home (mode 700) cannot be reached by another user at all.
        auto probe = as_nobody;
        probe.insert(probe.end(), {"test", "-x", (inputs / "wslmod").string()});
        other_user = test::run_tool(probe).exit_code == 0;
        if (!other_user)
            WARN("nobody cannot reach " << inputs << ": B runs as this user");
        else
            argv = as_nobody;
    }
    // B's cache starts with A's prepared tree at B's own path (hard links: a prepared tree is
    // never written again, and B, running as nobody, could not write into root's files anyway),
    // so the tree's path differs as with a cold prepare, without the minute one takes.
    fs::create_directories(cache_b / "trees");
    test::run_ok(
        {"cp", "-a", "--link", tree.string(), (cache_b / "trees" / tree.filename()).string()});
    argv.insert(argv.end(),
                {"env", "HOME=" + cache_b.string(), "sh", "-c", "umask 077; exec \"$0\" \"$@\"",
                 (inputs / "wslmod").string(), "--json", "build", "--locked", "-j", "1", "--cache",
                 cache_b.string()});
    auto second = test::run_tool(argv, b);
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    auto doc = json_of(second);
    for (const auto& build : doc["builds"])
        CHECK(build["cached"] == false); // really built again, in B's cache
    CHECK(doc["tree"] ==
          (cache_b / "trees" / tree.filename()).string()); // against the tree at B's path
    CHECK(doc["image"]["warnings"].empty());
    CHECK(sha_of(b / "modules.vhdx") == sha_of(a / "modules.vhdx"));
    CHECK(doc["image"]["sha256"] ==
          nlohmann::json::parse(test::read_text(a / "wslmod.lock"))["image"]);
    INFO("B ran as " << (other_user ? "nobody" : "this user (not root, so no other user to be)"));
}
