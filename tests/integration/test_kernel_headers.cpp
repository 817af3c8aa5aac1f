// The stand-in's headers, as `wslmod headers` hands them over: only what the cut selects, no
// path back into the cache, no bigger than Debian's own headers packages for the same kernel,
// working from wherever they are moved; and the .deb, installed by dpkg into a scratch root,
// holding the same files, with real DKMS building against it.
#include <fstream>

#include <nlohmann/json.hpp>

#include "kernel/config.h"
#include "kernel/headers_cut.h"
#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

std::string cache() {
    return (fs::path(WSLMOD_BINARY_DIR) / "tests/cache").string();
}

// The sizes of the regular files below `root`, added up (links not followed).
uint64_t file_bytes(const fs::path& root) {
    uint64_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file() && !e.is_symlink()) n += e.file_size();
    return n;
}

// The same, each file rounded up to whole 4 KiB blocks, as an ext4 disk stores it.
uint64_t block_bytes(const fs::path& root) {
    uint64_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file() && !e.is_symlink()) n += (e.file_size() + 4095) / 4096 * 4096;
    return n;
}

// Debian's headers for the stand-in: linux-headers-<release>, -common and linux-kbuild, with
// `measure` applied to each folder.
uint64_t debian_headers(uint64_t (*measure)(const fs::path&)) {
    const auto& k = test::debian_kernel();
    uint64_t n = 0;
    for (const auto& e : fs::directory_iterator(k.root / "headers/usr/src"))
        n += measure(e.path());
    for (const auto& e : fs::directory_iterator(k.root / "headers/usr/lib"))
        if (e.path().filename().string().starts_with("linux-kbuild-")) n += measure(e.path());
    return n;
}

nlohmann::json install(const fs::path& tree, const fs::path& prefix) {
    auto r = test::run_wslmod({"--json", "headers", "install", "--kernel", tree.string(), "--cache",
                               cache(), "--prefix", prefix.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.output);
}

// acpi-call-dkms built by real dkms against `headers`; returns the module.
fs::path dkms_build(const fs::path& headers, const fs::path& dir) {
    const auto& k = test::debian_kernel();
    auto src = test::dkms_source("acpi-call-dkms");
    fs::create_directories(dir / "source");
    fs::create_directories(dir / "tree");
    test::run_ok({"cp", "-a", src.string(), (dir / "source").string()});
    auto nv = src.filename().string();
    auto dash = nv.rfind('-');
    auto r = test::run_tool({"dkms", "build", "--dkmstree", (dir / "tree").string(), "--sourcetree",
                             (dir / "source").string(), "-m", nv.substr(0, dash), "-v",
                             nv.substr(dash + 1), "-k", k.release, "--kernelsourcedir",
                             headers.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    for (const auto& e : fs::recursive_directory_iterator(dir / "tree"))
        if (e.path().filename() == "acpi_call.ko") return e.path();
    FAIL("dkms built no acpi_call.ko");
    return {};
}

} // namespace

TEST_CASE("headers install: the cut only, no cache path, within Debian's size, and relocatable") {
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("headers-install");
    auto doc = install(tree, dir / "usr/src");
    CHECK(doc["state"] == "installed");
    CHECK(doc["release"] == k.release);
    auto headers = dir / "usr/src" / ("linux-headers-" + k.release);
    CHECK(doc["dir"] == headers.string());

    auto config = kernel::parse_config(test::read_text(headers / ".config"), ".config");
    REQUIRE(config);
    auto cut = kernel::headers_cut_for(*config, ".config");
    REQUIRE(cut);
    size_t files = 0;
    for (const auto& e : fs::recursive_directory_iterator(headers)) {
        if (e.is_directory() && !e.is_symlink()) continue;
        auto rel = e.path().lexically_relative(headers).generic_string();
        if (rel == ".wslmod-headers.json") continue; // the copy's record (project/headers.h)
        INFO(rel);
        CHECK(kernel::in_headers_cut(rel, *cut));
        ++files;
    }
    CHECK(files == doc["files"].get<size_t>() + doc["symlinks"].get<size_t>());

    // No absolute path into the folder the tree was prepared in, by grep's reading.
    auto trees = tree.parent_path().string() + "/";
    auto grep = test::run_tool({"grep", "-r", "-l", "-F", trees, headers.string()});
    INFO(grep.output);
    CHECK(grep.exit_code == 1);
    auto cache_grep = test::run_tool({"grep", "-r", "-l", "-F", cache(), headers.string()});
    CHECK(cache_grep.exit_code == 1);

    // Debian's headers for the same kernel: linux-headers-<release>, -common and linux-kbuild.
    auto debian = debian_headers(file_bytes);
    auto ours = file_bytes(headers);
    INFO("wslmod " << ours / 1e6 << " MB, Debian " << debian / 1e6 << " MB");
    CHECK(ours <= debian);
    CHECK(ours > 20'000'000); // include/ alone is more: the cut did not come out empty

    // Moved elsewhere, a plain make builds against it.
    auto moved = dir / "moved/headers";
    fs::create_directories(moved.parent_path());
    fs::rename(headers, moved);
    auto module = dir / "hello";
    test::run_ok({"cp", "-r", (fs::path(WSLMOD_SOURCE_DIR) / "module-recipes/hello/files").string(),
                  module.string()});
    auto made = test::run_tool({"make", "-C", moved.string(), "M=" + module.string(), "modules"});
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    CHECK(test::run_ok({"modinfo", "-F", "vermagic", (module / "hello.ko").string()})
              .starts_with(k.release + " "));
    fs::rename(moved, headers);

    auto again = install(tree, dir / "usr/src");
    CHECK(again["state"] == "unchanged");
}

TEST_CASE("headers deb: dpkg installs it, it holds what headers install writes, and real DKMS "
          "builds against both alike") {
    test::require_program("dpkg-deb");
    test::require_program("dkms");
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("headers-deb");
    auto r = test::run_wslmod({"--json", "headers", "deb", "--kernel", tree.string(), "--cache",
                               cache(), "-o", (dir / "out").string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.output);
    fs::path deb = doc["file"].get<std::string>();
    CHECK(deb.filename().string().starts_with("linux-headers-" + k.release + "_"));
    CHECK(deb.filename().string().ends_with("_amd64.deb"));
    CHECK(test::run_ok({"dpkg-deb", "-f", deb.string(), "Package"}) ==
          "linux-headers-" + k.release + "\n");
    // Every path is below /usr/src/linux-headers-<release>: nothing in /lib/modules, which WSL
    // mounts read-only.
    auto listing = test::run_ok({"dpkg-deb", "-c", deb.string()});
    CHECK(listing.find("./lib/") == std::string::npos);
    CHECK(listing.find("./usr/src/linux-headers-" + k.release + "/Module.symvers") !=
          std::string::npos);

    // dpkg itself installs it, into a scratch root with its own database.
    auto root = dir / "root";
    fs::create_directories(root / "var/lib/dpkg/info");
    fs::create_directories(root / "var/lib/dpkg/updates");
    test::run_ok({"touch", (root / "var/lib/dpkg/status").string()});
    auto installed = test::run_tool({"dpkg", "--force-not-root", "--force-script-chrootless",
                                     "--root=" + root.string(),
                                     "--log=" + (dir / "dpkg.log").string(), "-i", deb.string()});
    INFO(installed.output);
    REQUIRE(installed.exit_code == 0);
    auto status =
        test::run_ok({"dpkg", "--root=" + root.string(), "-s", "linux-headers-" + k.release});
    CHECK(status.find("Status: install ok installed") != std::string::npos);
    auto from_deb = root / "usr/src" / ("linux-headers-" + k.release);

    // The same files as `headers install` writes, but for the record of how they came.
    install(tree, dir / "usr/src");
    auto from_install = dir / "usr/src" / ("linux-headers-" + k.release);
    auto diff = test::run_tool({"diff", "-r", "--no-dereference", "-x", ".wslmod-headers.json",
                                from_install.string(), from_deb.string()});
    INFO(diff.output);
    CHECK(diff.exit_code == 0);
    CHECK(test::read_text(from_deb / ".wslmod-headers.json").find("\"via\": \"deb\"") !=
          std::string::npos);

    // `headers install` will not write over the package's files.
    auto over = test::run_wslmod({"headers", "install", "--kernel", tree.string(), "--cache",
                                  cache(), "--prefix", (root / "usr/src").string()});
    CHECK(over.exit_code != 0);
    CHECK(over.output.find("apt install") != std::string::npos);

    auto a = dkms_build(from_deb, dir / "dkms-deb");
    auto b = dkms_build(from_install, dir / "dkms-install");
    for (const char* field : {"vermagic", "srcversion"})
        CHECK(test::run_ok({"modinfo", "-F", field, a.string()}) ==
              test::run_ok({"modinfo", "-F", field, b.string()}));
    CHECK(test::run_ok({"modinfo", "-F", "vermagic", a.string()}).starts_with(k.release + " "));
}

TEST_CASE("the image's headers go to <release>/linux-headers/ in the artifacts layout, and a flat "
          "image without them links build to /usr/src") {
    test::require_program("qemu-img");
    test::require_program("debugfs");
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("headers-layouts");
    auto raw_of = [&](const std::vector<std::string>& extra, const std::string& name) {
        std::vector<std::string> args{"build",
                                      "--kernel",
                                      tree.string(),
                                      "--stock-modules",
                                      k.modules.string(),
                                      "--cache",
                                      cache(),
                                      "-o",
                                      (dir / (name + ".vhdx")).string()};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = test::run_wslmod(args);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        auto raw = dir / (name + ".raw");
        test::run_ok(
            {"qemu-img", "convert", "-O", "raw", (dir / (name + ".vhdx")).string(), raw.string()});
        auto fsck = test::run_tool({"e2fsck", "-fn", raw.string()});
        INFO(fsck.output);
        CHECK(fsck.exit_code == 0);
        return raw;
    };
    auto debugfs = [](const fs::path& raw, const std::string& request) {
        return test::run_ok({"debugfs", "-R", request, raw.string()});
    };

    auto artifacts = raw_of({"--headers", "--layout", "artifacts"}, "artifacts");
    auto top = debugfs(artifacts, "ls /" + k.release);
    CHECK(top.find("linux-headers") != std::string::npos);
    CHECK(top.find("modules") != std::string::npos);
    CHECK(debugfs(artifacts, "stat /" + k.release + "/linux-headers/Module.symvers")
              .find("Type: regular") != std::string::npos);
    CHECK(debugfs(artifacts, "ls /" + k.release + "/modules").find(" build ") == std::string::npos);

    auto flat = raw_of({}, "flat");
    // What the headers add to the image, against what Debian's packages take on a disk of the
    // same block size.
    auto added = fs::file_size(dir / "artifacts.vhdx") - fs::file_size(dir / "flat.vhdx");
    auto debian = debian_headers(block_bytes);
    INFO("the headers add " << added / 1e6 << " MB; Debian's take " << debian / 1e6 << " MB");
    CHECK(added <= debian);
    auto link = debugfs(flat, "stat /build");
    INFO(link);
    CHECK(link.find("Type: symlink") != std::string::npos);
    CHECK(link.find("\"/usr/src/linux-headers-" + k.release + "\"") != std::string::npos);
}

TEST_CASE("a project's headers = true: build carries them, status follows the manifest, and "
          "headers install --project takes the project's kernel") {
    const auto& k = test::debian_kernel();
    test::prepared_tree(); // the debian profile prepares this same tree
    auto dir = test::scratch_dir("headers-project");
    auto wslmod = [&](std::vector<std::string> args) {
        args.insert(args.begin(), test::wslmod_binary().string());
        return test::run_tool(args, dir);
    };
    auto init = wslmod({"init", "--profile", "debian"});
    INFO(init.output);
    REQUIRE(init.exit_code == 0);
    auto manifest = test::read_text(dir / "wslmod.toml");
    auto at = manifest.find("headers = false");
    REQUIRE(at != std::string::npos);
    auto with_headers = manifest;
    with_headers.replace(at, 15, "headers = true");
    std::ofstream(dir / "wslmod.toml", std::ios::trunc) << with_headers;

    auto built = wslmod({"--json", "build", "--cache", cache()});
    INFO(built.output);
    REQUIRE(built.exit_code == 0);
    auto doc = nlohmann::json::parse(built.output.substr(built.output.find('{')));
    CHECK(doc["image"]["headers"]["release"] == k.release);
    auto current = wslmod({"status"});
    INFO(current.output);
    CHECK(current.exit_code == 0);

    std::ofstream(dir / "wslmod.toml", std::ios::trunc) << manifest;
    auto outdated = wslmod({"status"});
    INFO(outdated.output);
    CHECK(outdated.exit_code == 1);
    CHECK(outdated.output.find("the image carries kernel headers") != std::string::npos);

    auto other = test::scratch_dir("headers-project-elsewhere");
    auto installed =
        test::run_tool({test::wslmod_binary().string(), "--json", "headers", "install", "--project",
                        dir.string(), "--cache", cache(), "--prefix", (other / "usr/src").string()},
                       other);
    INFO(installed.output);
    REQUIRE(installed.exit_code == 0);
    CHECK(nlohmann::json::parse(installed.output)["release"] == k.release);
    CHECK(fs::exists(other / "usr/src" / ("linux-headers-" + k.release) / "Module.symvers"));
}
