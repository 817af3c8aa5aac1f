// Bundles on the Debian stand-in: export, then import into a clean folder with `make` broken on
// PATH gives the identical image; and hostile or corrupted bundles are refused with the entry
// named, leaving the folder empty and nothing written outside it.
#include <fstream>
#include <memory>
#include <random>

#include <archive.h>
#include <archive_entry.h>
#include <nlohmann/json.hpp>

#include "support/bounded.h"
#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/prereq.h"
#include "support/run.h"
#include "support/tar.h"
#include "util/file.h"
#include "util/sha256.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

using Entry = test::TarEntry;

std::vector<Entry> read_entries(const fs::path& bundle) {
    std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
    archive_read_support_filter_all(a.get());
    archive_read_support_format_all(a.get());
    REQUIRE(archive_read_open_filename(a.get(), bundle.c_str(), 1 << 16) == ARCHIVE_OK);
    std::vector<Entry> out;
    archive_entry* e = nullptr;
    while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
        Entry x{archive_entry_pathname(e), archive_entry_filetype(e), ""};
        std::string buf(static_cast<size_t>(archive_entry_size(e)), '\0');
        if (!buf.empty())
            REQUIRE(archive_read_data(a.get(), buf.data(), buf.size()) ==
                    static_cast<la_ssize_t>(buf.size()));
        x.data = buf;
        out.push_back(x);
    }
    return out;
}

std::string sha_hex(const std::string& data) {
    util::Sha256 h;
    h.update(data);
    return util::to_hex(h.finish());
}

// Writes `entries` as a zstd tar; with `resum`, SHA256SUMS is rewritten to match the files.
fs::path write_entries(const fs::path& out, std::vector<Entry> entries, bool resum = true) {
    if (resum) {
        std::string sums;
        for (const auto& e : entries)
            if (e.type == AE_IFREG && !e.hardlink && e.path != "SHA256SUMS")
                sums += sha_hex(e.data) + "  " + e.path + "\n";
        for (auto& e : entries)
            if (e.path == "SHA256SUMS") e.data = sums;
    }
    return test::write_tar(out, entries, test::TarFilter::zstd);
}

Entry& find(std::vector<Entry>& entries, const std::string& prefix) {
    for (auto& e : entries)
        if (e.path.starts_with(prefix)) return e;
    FAIL("no entry " << prefix);
    return entries.front();
}

std::string sha_of(const fs::path& p) {
    return util::to_hex(*util::sha256_file(p));
}

size_t entries_in(const fs::path& dir) {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir))
        ++n;
    return n;
}

// wslmod run in `dir`.
util::CommandOutput wslmod_in(const fs::path& dir, std::vector<std::string> args) {
    args.insert(args.begin(), test::wslmod_binary().string());
    return test::run_tool(args, dir);
}

// A new project (`wslmod init --profile debian`) in scratch folder `name`/project.
fs::path new_project(const std::string& name) {
    test::prepared_tree();
    auto project = test::scratch_dir(name) / "project";
    fs::create_directories(project);
    REQUIRE(wslmod_in(project, {"init", "--profile", "debian"}).exit_code == 0);
    return project;
}

const std::string cache = (fs::path(WSLMOD_BINARY_DIR) / "tests/cache").string();

// Imports `bundle` into a new folder `clean` and checks that it assembled `project`'s image,
// byte for byte.
void imports_identically(const fs::path& project, const fs::path& bundle, const fs::path& clean) {
    fs::create_directories(clean);
    auto imported =
        wslmod_in(clean, {"--json", "bundle", "import", bundle.string(), "--cache", cache});
    INFO(imported.output);
    REQUIRE(imported.exit_code == 0);
    CHECK(nlohmann::json::parse(imported.output.substr(imported.output.find('{')))["identical"] ==
          true);
    CHECK(sha_of(clean / "modules.vhdx") == sha_of(project / "modules.vhdx"));
}

} // namespace

TEST_CASE(
    "bundle export then import on the same release gives the identical image with no make run") {
    auto project = new_project("cli-bundle");
    auto root = project.parent_path();
    auto wslmod = wslmod_in;
    auto added = wslmod(project, {"add", "hello", "usbip-extra", "--cache", cache});
    INFO(added.output);
    REQUIRE(added.exit_code == 0);
    auto exported = wslmod(project, {"--json", "bundle", "export", "-o",
                                     (root / "team.wslmod.tar.zst").string(), "--cache", cache});
    INFO(exported.output);
    REQUIRE(exported.exit_code == 0);
    auto bundle = root / "team.wslmod.tar.zst";
    // The same project gives the same bundle, byte for byte.
    REQUIRE(wslmod(project, {"bundle", "export", "-o", (root / "again.wslmod.tar.zst").string(),
                             "--cache", cache})
                .exit_code == 0);
    CHECK(sha_of(bundle) == sha_of(root / "again.wslmod.tar.zst"));

    // Import in a clean folder, with a `make` that fails (and leaves a mark) first on PATH.
    auto clean = root / "clean";
    auto fakebin = root / "fakebin";
    fs::create_directories(clean);
    fs::create_directories(fakebin);
    std::ofstream(fakebin / "make")
        << "#!/bin/sh\ntouch " << (root / "make-ran").string() << "\nexit 1\n";
    fs::permissions(fakebin / "make", fs::perms::owner_all);
    const char* path = std::getenv("PATH");
    auto imported =
        test::run_tool({"env", "PATH=" + fakebin.string() + ":" + (path ? path : "/usr/bin:/bin"),
                        test::wslmod_binary().string(), "--json", "bundle", "import",
                        bundle.string(), "--cache", (root / "other-cache").string()},
                       clean);
    INFO(imported.output);
    REQUIRE(imported.exit_code == 0);
    CHECK_FALSE(fs::exists(root / "make-ran"));
    auto doc = nlohmann::json::parse(imported.output.substr(imported.output.find('{')));
    CHECK(doc["identical"] == true);
    CHECK(doc["compiled"] == false);
    CHECK(sha_of(clean / "modules.vhdx") == sha_of(project / "modules.vhdx"));
    CHECK(fs::exists(clean / "wslmod.lock"));
    CHECK(fs::exists(clean / "recipes/usbip-extra/recipe.toml"));
    // The imported project is a project: status says current.
    auto status = test::run_tool({test::wslmod_binary().string(), "status"}, clean);
    INFO(status.output);
    CHECK(status.exit_code == 0);
    // A second import into it is refused: a project is already there.
    CHECK(wslmod(clean, {"bundle", "import", bundle.string()}).exit_code == 2);

    // Hostile and corrupted bundles.
    auto good = read_entries(bundle);
    struct Case {
        std::string name, expect;
        std::function<void(std::vector<Entry>&)> edit;
        bool resum = true;
    };
    std::string hello_ko = "modules/hello/extra/hello/hello.ko";
    std::vector<Case> cases{
        {"bad checksum", "does not match its SHA-256",
         [&](auto& e) { find(e, hello_ko).data += "x"; }, false},
        {"traversal", "not a plain relative path",
         [](auto& e) {
             e.push_back({"recipes/../../escape", AE_IFREG, "x"});
         }},
        {"absolute", "not a plain relative path",
         [](auto& e) {
             e.push_back({"/tmp/wslmod-bundle-escape", AE_IFREG, "x"});
         }},
        {"symlink out", "not a file or folder",
         [](auto& e) {
             e.insert(e.begin(), {"recipes/evil", AE_IFLNK, "/etc"});
         }},
        {"hard link out", "hard link",
         [](auto& e) {
             e.insert(e.begin(), {"passwd", AE_IFREG, "/etc/passwd", true});
         }},
        {"device", "not a file or folder",
         [](auto& e) {
             e.insert(e.begin(), {"dev", AE_IFCHR, ""});
         }},
        {"unlisted file", "not in SHA256SUMS",
         [](auto& e) {
             e.insert(e.begin(), {"extra.txt", AE_IFREG, "x"});
         },
         false},
        {"listed but missing", "which is missing",
         [&](auto& e) { std::erase_if(e, [&](auto& x) { return x.path == hello_ko; }); }, false},
        {"duplicate entry", "appears twice",
         [&](auto& e) {
             auto copy = find(e, "wslmod.toml");
             e.insert(e.begin(), copy);
         }},
        {"no SHA256SUMS", "no SHA256SUMS",
         [](auto& e) { std::erase_if(e, [](auto& x) { return x.path == "SHA256SUMS"; }); }, false},
        {"no lock", "no wslmod.lock",
         [](auto& e) { std::erase_if(e, [](auto& x) { return x.path == "wslmod.lock"; }); }},
        {"module missing from a locked recipe",
         "module extra/hello/hello of recipe hello is missing",
         [&](auto& e) { std::erase_if(e, [&](auto& x) { return x.path == hello_ko; }); }},
        {"recipe edited after the lock", "recipe hello: files/hello.c changed",
         [](auto& e) { find(e, "recipes/hello/files/hello.c").data += "\n// edited\n"; }},
        {"wrong release in a module", "not the release its lock names",
         [&](auto& e) {
             auto& ko = find(e, hello_ko).data;
             const auto& release = test::debian_kernel().release; // ...-amd64
             auto at = ko.find("vermagic=" + release);
             REQUIRE(at != std::string::npos);
             ko[at + std::string("vermagic=").size() + release.size() - 2] = '9'; // amd64 -> amd94
         }},
        // Further releases (export --release) are checked like the bundle's own.
        {"further release whose lock is another's", "releases/6.0.1-other/wslmod.lock is for",
         [](auto& e) {
             auto lock = find(e, "wslmod.lock");
             lock.path = "releases/6.0.1-other/wslmod.lock";
             e.push_back(lock);
         }},
        {"further release without its modules", "is missing (for 6.0.1-other)",
         [](auto& e) {
             auto lock = find(e, "wslmod.lock");
             lock.path = "releases/6.0.1-other/wslmod.lock";
             const auto& release = test::debian_kernel().release;
             REQUIRE(lock.data.find(release) != std::string::npos);
             for (auto at = lock.data.find(release); at != std::string::npos;
                  at = lock.data.find(release))
                 lock.data.replace(at, release.size(), "6.0.1-other");
             e.push_back(lock);
         }},
        {"further release with no lock", "releases/6.0.1-other has no wslmod.lock",
         [](auto& e) {
             e.push_back({"releases/6.0.1-other/modules/x.ko", AE_IFREG, "x"});
         }},
        {"below a file", "below a file",
         [](auto& e) {
             e.push_back({"wslmod.toml/x", AE_IFREG, "x"});
         }},
        // Bounded: a SHA256SUMS that decompresses to 100 MiB in one line (in a bundle made big
        // enough by 1 MiB of noise that the expansion cap allows it), and one overlong line.
        {"huge SHA256SUMS", "SHA256SUMS is larger than 64 MiB",
         [&](auto& e) {
             std::mt19937 noise(7);
             std::string pad(1u << 20, '\0');
             for (auto& c : pad)
                 c = static_cast<char>(noise());
             e.insert(e.begin(), {"pad.bin", AE_IFREG, pad});
             find(e, "SHA256SUMS").data = std::string(100u << 20, 'a');
         },
         false},
        // A decompression bomb: 1 GiB of zeros that add a few KiB to the bundle.
        {"decompression bomb", "MiB, 20 times its own size",
         [](auto& e) {
             e.insert(e.begin(), {"recipes/hello/files/zeros", AE_IFREG, "", false, 1ull << 30});
         }},
        {"a file over a folder", "entry 'recipes' appears twice",
         [](auto& e) {
             e.push_back({"recipes", AE_IFREG, "x"});
         }},
        {"overlong SHA256SUMS line", "longer than 4096 bytes",
         [&](auto& e) { find(e, "SHA256SUMS").data.insert(0, std::string(10000, 'b') + "\n"); },
         false},
    };
    // Each case imports into an empty folder of an arena that holds the bundle too: nothing in
    // the arena may change, within 10 s and 512 MB.
    for (const auto& c : cases) {
        {
            INFO("hostile bundle: " << c.name);
            auto entries = good;
            c.edit(entries);
            auto arena = test::scratch_dir("cli-bundle-hostile");
            auto dir = arena / "a/b/import";
            fs::create_directories(dir);
            auto hostile = write_entries(arena / "hostile.wslmod.tar.zst", entries, c.resum);
            entries.clear();
            auto before = test::listing(arena);
            auto r = test::run_bounded({test::wslmod_binary().string(), "bundle", "import",
                                        hostile.string(), "--cache", cache},
                                       dir);
            INFO(r.output);
            CHECK(r.exit_code == 2);
            CHECK(r.output.find(c.expect) != std::string::npos);
            CHECK(r.output.find('\n') == r.output.size() - 1); // one line
            CHECK(r.output.size() < 1000);                     // that quotes little of any input
            CHECK(test::listing(arena) == before); // nothing written, not even a temporary
            CHECK_FALSE(fs::exists("/tmp/wslmod-bundle-escape"));
            CHECK(r.seconds < 10);
            CHECK(r.peak_kb < 512 * 1024);
        }
    }
    // A bundle for another release: its recipes are built for this kernel, and the new lock says
    // so.
    {
        // The lock and every module say another release (of the same length, so that the
        // modules' .modinfo keeps its size).
        auto entries = good;
        const auto& here = test::debian_kernel().release;
        auto there = here.substr(0, here.size() - 2) + "94";
        for (auto& e : entries) {
            if (e.path != "wslmod.lock" &&
                !(e.path.starts_with("modules/") && e.path.ends_with(".ko")))
                continue;
            size_t n = 0;
            for (auto at = e.data.find(here); at != std::string::npos;
                 at = e.data.find(here, at + 1), ++n)
                e.data.replace(at, here.size(), there);
            CHECK(n > 0);
        }
        auto other = write_entries(root / "other-release.wslmod.tar.zst", entries);
        auto dir = test::scratch_dir("cli-bundle-other-release");
        // Building runs the recipes' commands: refused, naming them, unless --allow-build.
        auto asked = test::run_tool(
            {test::wslmod_binary().string(), "bundle", "import", other.string(), "--cache", cache},
            dir);
        INFO(asked.output);
        CHECK(asked.exit_code == 2);
        CHECK(asked.output.find("building its recipes (hello, usbip-extra)") != std::string::npos);
        CHECK(asked.output.find("--allow-build") != std::string::npos);
        CHECK(entries_in(dir) == 0);
        auto r = test::run_tool({test::wslmod_binary().string(), "bundle", "import", other.string(),
                                 "--allow-build", "--cache", cache},
                                dir);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        CHECK(r.output.find("the bundle is for " + there + ", this kernel is " +
                            test::debian_kernel().release + ": building its recipes") !=
              std::string::npos);
        auto relock = nlohmann::json::parse(std::ifstream(dir / "wslmod.lock"));
        CHECK(relock["release"] == test::debian_kernel().release);
        CHECK(relock["image"] == sha_of(dir / "modules.vhdx"));
    }

    // Paths of the author's machine: an [output] outside the import folder and a stock-modules
    // override are dropped with a note, and the image goes into the folder.
    {
        auto entries = good;
        auto& toml = find(entries, "wslmod.toml").data;
        auto at = toml.find("path = \"modules.vhdx\"");
        REQUIRE(at != std::string::npos);
        toml.replace(at, std::string("path = \"modules.vhdx\"").size(),
                     "path = \"../escape/modules.vhdx\"");
        toml.replace(toml.find("[kernel]\n"), 9,
                     "[kernel]\nstock-modules = \"/nonexistent/stock\"\n");
        auto outside = write_entries(root / "outside-output.wslmod.tar.zst", entries);
        auto dir = test::scratch_dir("cli-bundle-outside");
        auto r = test::run_tool({test::wslmod_binary().string(), "bundle", "import",
                                 outside.string(), "--cache", cache},
                                dir);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        CHECK(r.output.find("is outside " + dir.string() + ": the image goes to " +
                            (dir / "modules.vhdx").string()) != std::string::npos);
        CHECK(r.output.find("stock-modules = '/nonexistent/stock' is outside") !=
              std::string::npos);
        CHECK(fs::exists(dir / "modules.vhdx"));
        CHECK_FALSE(fs::exists(dir.parent_path() / "escape"));
    }

    // A truncated bundle.
    auto bytes = util::read_bytes(bundle);
    REQUIRE(bytes);
    auto truncated = root / "truncated.wslmod.tar.zst";
    std::ofstream(truncated, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes->data()),
               static_cast<std::streamsize>(bytes->size() / 2));
    auto dir = test::scratch_dir("cli-bundle-truncated");
    auto r = test::run_tool(
        {test::wslmod_binary().string(), "bundle", "import", truncated.string()}, dir);
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("refusing the bundle") != std::string::npos);
    CHECK(entries_in(dir) == 0);
}

TEST_CASE("a project with no recipe exports a bundle that imports into the same image") {
    auto project = new_project("cli-bundle-empty");
    auto root = project.parent_path();
    auto wslmod = wslmod_in;
    auto built = wslmod(project, {"build", "--cache", cache});
    INFO(built.output);
    REQUIRE(built.exit_code == 0);
    auto bundle = root / "empty.wslmod.tar.zst";
    auto exported = wslmod(project, {"bundle", "export", "-o", bundle.string(), "--cache", cache});
    INFO(exported.output);
    REQUIRE(exported.exit_code == 0);
    auto clean = root / "clean";
    imports_identically(project, bundle, clean);
    CHECK(fs::is_directory(clean / "recipes"));
    CHECK(wslmod(clean, {"status"}).exit_code == 0);
}

TEST_CASE("a project with deb sources (a shipped deb recipe and a distro package by name) bundles "
          "and imports into the same image") {
    auto project = new_project("cli-bundle-deb");
    auto root = project.parent_path();
    auto wslmod = wslmod_in;
    auto added = wslmod(project, {"add", "v4l2loopback", "acpi-call", "--cache", cache});
    INFO(added.output);
    REQUIRE(added.exit_code == 0);
    auto bundle = root / "deb.wslmod.tar.zst";
    auto exported = wslmod(project, {"bundle", "export", "-o", bundle.string(), "--cache", cache});
    INFO(exported.output);
    REQUIRE(exported.exit_code == 0);
    auto entries = read_entries(bundle);
    bool v4l2_recipe = false, acpi_module = false;
    for (const auto& e : entries) {
        v4l2_recipe = v4l2_recipe || e.path == "recipes/v4l2loopback/recipe.toml";
        acpi_module = acpi_module || e.path.starts_with("modules/acpi-call/");
        CHECK(e.path.find("debs/") == std::string::npos); // the package is pinned, not carried
    }
    CHECK(v4l2_recipe);
    CHECK(acpi_module);
    auto clean = root / "clean";
    imports_identically(project, bundle, clean);
}
