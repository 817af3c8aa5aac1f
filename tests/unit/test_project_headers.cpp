// `headers install` on scratch folders: a new copy, the same one again, a newer cut replacing
// wslmod's own copy whole, and folders wslmod did not write (or a package owns) left alone; the
// build entry seen from the copy; and the .deb's version.
#include <fstream>

#include "project/headers.h"
#include "support/catch.h"
#include "support/prereq.h"
#include "util/file.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

// A cached headers entry (kernel/headers.h) named `entry`, with one file holding `text`.
kernel::Headers fake_headers(const fs::path& cache, const std::string& entry,
                             const std::string& text) {
    kernel::Headers h;
    h.dir = cache / entry / "tree";
    h.release = "6.6.87.2-microsoft-standard-WSL2";
    h.srcarch = "x86";
    fs::create_directories(h.dir / "include/generated");
    std::ofstream(h.dir / "Makefile") << text;
    std::ofstream(h.dir / "include/generated/utsrelease.h") << "#define UTS_RELEASE\n";
    h.files = 2;
    h.bytes = text.size() + 21;
    return h;
}

std::string read(const fs::path& p) {
    return util::read_if_exists(p).value_or("<missing>");
}

} // namespace

TEST_CASE("headers install writes the copy, keeps it when unchanged, and replaces its own whole") {
    auto scratch = test::scratch_dir("project-headers-install");
    auto a = fake_headers(scratch / "cache", "h1-aaaa", "# cut a\n");
    auto prefix = scratch / "usr/src";
    auto dest = prefix / "linux-headers-6.6.87.2-microsoft-standard-WSL2";

    auto first = project::install_headers(a, prefix, false, scratch / "lib/modules");
    INFO((first ? "" : first.error().message()));
    REQUIRE(first);
    CHECK(first->state == "installed");
    CHECK(first->dir == dest);
    CHECK(read(dest / "Makefile") == "# cut a\n");
    CHECK(read(dest / ".wslmod-headers.json").find("\"via\": \"install\"") != std::string::npos);
    CHECK(first->build == project::BuildEntry::missing);

    auto same = project::install_headers(a, prefix, false, scratch / "lib/modules");
    REQUIRE(same);
    CHECK(same->state == "unchanged");

    auto b = fake_headers(scratch / "cache", "h1-bbbb", "# cut b\n");
    std::ofstream(dest / "stale.h") << "from the old copy\n";
    auto replaced = project::install_headers(b, prefix, false, scratch / "lib/modules");
    REQUIRE(replaced);
    CHECK(replaced->state == "replaced");
    CHECK(read(dest / "Makefile") == "# cut b\n");
    CHECK_FALSE(fs::exists(dest / "stale.h"));
    // Nothing is left beside it: no old copy, no temporary.
    size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(prefix))
        ++entries;
    CHECK(entries == 1);
}

TEST_CASE("headers install leaves a folder it did not write, or one a package owns, as it was") {
    auto scratch = test::scratch_dir("project-headers-foreign");
    auto h = fake_headers(scratch / "cache", "h1-aaaa", "# ours\n");
    auto prefix = scratch / "usr/src";
    auto dest = prefix / "linux-headers-6.6.87.2-microsoft-standard-WSL2";
    fs::create_directories(dest);
    std::ofstream(dest / "Makefile") << "# someone else's\n";

    auto refused = project::install_headers(h, prefix, false, scratch / "lib/modules");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().where == dest.string());
    CHECK(refused.error().hint.find("--force") != std::string::npos);
    CHECK(read(dest / "Makefile") == "# someone else's\n");

    auto forced = project::install_headers(h, prefix, true, scratch / "lib/modules");
    REQUIRE(forced);
    CHECK(forced->state == "replaced");
    CHECK(read(dest / "Makefile") == "# ours\n");

    std::ofstream(dest / ".wslmod-headers.json")
        << R"({"release": "x", "headers": "h1-aaaa", "via": "deb"})";
    auto owned = project::install_headers(h, prefix, true, scratch / "lib/modules");
    REQUIRE_FALSE(owned);
    CHECK(owned.error().message().find("package") != std::string::npos);
    CHECK(owned.error().hint.find("apt install") != std::string::npos);
}

TEST_CASE("headers install gives the copy a distro's modes whatever the cached files' modes") {
    auto scratch = test::scratch_dir("project-headers-modes");
    auto h = fake_headers(scratch / "cache", "h1-aaaa", "# cut\n");
    std::ofstream(h.dir / "fixdep") << "program\n";
    fs::permissions(h.dir / "fixdep", fs::perms(0700));
    fs::permissions(h.dir / "Makefile", fs::perms(0600));
    fs::permissions(h.dir / "include", fs::perms(0700));
    auto r = project::install_headers(h, scratch / "usr/src", false, scratch / "lib/modules");
    REQUIRE(r);
    auto mode = [&](const std::string& rel) {
        return static_cast<int>(fs::status(r->dir / rel).permissions() & fs::perms::mask);
    };
    CHECK(mode("") == 0755);
    CHECK(mode("include") == 0755);
    CHECK(mode("include/generated") == 0755);
    CHECK(mode("Makefile") == 0644);
    CHECK(mode("fixdep") == 0755);
    CHECK(mode(".wslmod-headers.json") == 0644);
}

TEST_CASE("build_entry tells the image's own headers, a link here, and anything else apart") {
    auto scratch = test::scratch_dir("project-headers-entry");
    auto here = scratch / "usr/src/linux-headers-r";
    fs::create_directories(here);
    auto mods = scratch / "lib/modules";
    CHECK(project::build_entry(mods, "r", here) == project::BuildEntry::missing);
    fs::create_directories(mods / "r");
    fs::create_symlink(here, mods / "r/build");
    CHECK(project::build_entry(mods, "r", here) == project::BuildEntry::leads_here);
    fs::remove(mods / "r/build");
    fs::create_symlink("/nowhere/at/all", mods / "r/build");
    CHECK(project::build_entry(mods, "r", here) == project::BuildEntry::elsewhere);
    fs::remove(mods / "r/build");
    fs::create_directories(mods / "r/build");
    std::ofstream(mods / "r/build/Makefile") << "# in the image\n";
    CHECK(project::build_entry(mods, "r", here) == project::BuildEntry::in_image);
    CHECK(project::to_string(project::BuildEntry::in_image) == "in-image");
}

TEST_CASE("the .deb version is the release's numbers and the cut it holds") {
    CHECK(project::deb_version("6.12.118+deb12-amd64", "h1-5af4568716583e66") ==
          "6.12.118-1+5af45687");
    CHECK(project::deb_version("6.6.87.2-microsoft-standard-WSL2", "h1-0123456789") ==
          "6.6.87.2-1+01234567");
    CHECK(project::deb_version("6.18.", "h1-ab") == "6.18-1+ab");
    CHECK(project::deb_version("wsl", "h1-ab") == "0-1+ab");
}
