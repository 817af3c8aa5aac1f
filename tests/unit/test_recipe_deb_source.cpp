// Deb sources through the fake runner: the --print-uris line parsed (epoch and all), a package
// fetched into <cache>/debs/<sha256>.deb and unpacked once, a lock's pin refused when the archive
// disagrees, and the errors for a missing apt, an unknown package and a missing version.  The
// fake apt-get writes a small file as the .deb and the fake dpkg-deb lays out the usr/src/ tree
// a *-dkms package carries, so every digest check runs on real bytes.
#include <fstream>

#include <fmt/format.h>

#include "recipe/deb_source.h"
#include "support/catch.h"
#include "support/fake_runner.h"
#include "support/prereq.h"
#include "util/sha256.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

const std::string deb_bytes = "!<arch>\nnot really a deb, but bytes with a digest\n";

std::string digest_of(const std::string& s) {
    return util::to_hex(util::Sha256().update(s).finish());
}

std::string print_uris(const std::string& package, const std::string& file_version,
                       const std::string& sha) {
    return fmt::format("'http://deb.debian.org/debian/pool/main/v/{0}/{0}_{1}_all.deb' "
                       "{0}_{1}_all.deb 12345 SHA256:{2}\n",
                       package, file_version, sha);
}

bool is_print_uris(const util::Command& c) {
    return c.argv.size() >= 3 && c.argv[0] == "apt-get" && c.argv[2] == "--print-uris";
}
bool is_download(const util::Command& c) {
    return c.argv.size() == 3 && c.argv[0] == "apt-get" && c.argv[1] == "download";
}

// A fake apt and dpkg-deb serving `package` at `version` (file_version as in the file name).
void serve(test::FakeRunner& fake, const std::string& package, const std::string& file_version,
           const std::string& sha = digest_of(deb_bytes)) {
    fake.on(is_print_uris, 0, print_uris(package, file_version, sha));
    fake.on(is_download, 0, "Get:1 ...\n", [=](const util::Command& c) {
        std::ofstream(c.cwd / fmt::format("{}_{}_all.deb", package, file_version)) << deb_bytes;
    });
    fake.on("dpkg-deb", 0, "", [](const util::Command& c) {
        fs::path root = c.argv[3];
        fs::create_directories(root / "usr/src/thing-1.0");
        std::ofstream(root / "usr/src/thing-1.0/dkms.conf") << "PACKAGE_NAME=thing\n";
        fs::create_directories(root / "usr/share/doc/thing-dkms");
    });
}

// What SystemRunner says when the program is not installed.
class NoProgramRunner final : public util::CommandRunner {
  public:
    util::Result<util::CommandOutput> run(const util::Command& c) override {
        return util::fail("program not found in PATH", c.argv[0]);
    }
};

} // namespace

TEST_CASE("deb source: --print-uris names the file, version (epoch unescaped), arch and digest") {
    auto sha = std::string(64, 'a');
    auto out = "Reading package lists...\n" + print_uris("other-dkms", "1.0", sha) +
               print_uris("thing-dkms", "1%3a2.0-3", sha);
    auto u = recipe::parse_print_uris(out, "thing-dkms");
    REQUIRE(u);
    CHECK(u->package == "thing-dkms");
    CHECK(u->version == "1:2.0-3");
    CHECK(u->arch == "all");
    CHECK(u->file == "thing-dkms_1%3a2.0-3_all.deb");
    CHECK(u->sha256 == sha);
    CHECK(u->uri.starts_with("http://deb.debian.org/"));

    auto none = recipe::parse_print_uris("E: nothing\n", "thing-dkms");
    REQUIRE_FALSE(none);
    CHECK(none.error().what.find("thing-dkms") != std::string::npos);
    // A truncated digest is not a line apt writes.
    CHECK_FALSE(recipe::parse_print_uris(print_uris("thing-dkms", "1.0", "abc"), "thing-dkms"));
}

TEST_CASE("deb source: fetched once into the cache by digest, unpacked once, its DKMS folder "
          "found") {
    auto cache = test::scratch_dir("deb-cache");
    test::FakeRunner fake;
    serve(fake, "thing-dkms", "1.0-2");
    auto got = recipe::fetch_deb("thing-dkms", "", "", cache, fake);
    REQUIRE(got);
    auto sha = digest_of(deb_bytes);
    CHECK(got->deb == cache / "debs" / (sha + ".deb"));
    CHECK(got->dkms_dir == cache / "debs" / sha / "usr/src/thing-1.0");
    CHECK(got->uri.version == "1.0-2");
    CHECK(fs::is_regular_file(got->deb));
    CHECK_FALSE(fs::exists(cache / "debs" / (sha + ".download"))); // the download folder is gone

    // The second fetch asks apt what the version is, but downloads and unpacks nothing.
    auto again = recipe::fetch_deb("thing-dkms", "", sha, cache, fake);
    REQUIRE(again);
    CHECK(again->dkms_dir == got->dkms_dir);
    CHECK(fake.count(is_download) == 1);
    CHECK(fake.count([](const util::Command& c) { return c.argv[0] == "dpkg-deb"; }) == 1);

    // A pinned version goes to apt as pkg=version.
    CHECK(recipe::fetch_deb("thing-dkms", "1.0-2", "", cache, fake));
    CHECK(fake.calls().back().argv.back() == "thing-dkms=1.0-2");
}

TEST_CASE("deb source: a recipe gets the fetched folder, version and digest") {
    auto cache = test::scratch_dir("deb-recipe");
    test::FakeRunner fake;
    serve(fake, "thing-dkms", "2%3a1.0-2");
    auto r = recipe::deb_recipe("thing", recipe::dkms_package_for("thing"));
    CHECK(r.deb == "thing-dkms");
    CHECK(r.version == "deb");
    auto got = recipe::with_deb_fetched(r, cache, fake);
    REQUIRE(got);
    CHECK(got->deb_version == "2:1.0-2");
    CHECK(got->version == "2+1.0-2"); // ':' is no character for a version folder
    CHECK(got->sha256 == digest_of(deb_bytes));
    CHECK(got->dkms.filename() == "thing-1.0");
    CHECK(recipe::dkms_package_for("thing-dkms") == "thing-dkms");
}

TEST_CASE("deb source: the lock's pin, a digest that disagrees, and a package with no DKMS "
          "source are refused") {
    auto cache = test::scratch_dir("deb-refused");
    {
        test::FakeRunner fake;
        serve(fake, "thing-dkms", "1.0-2");
        auto pinned = recipe::fetch_deb("thing-dkms", "1.0-2", std::string(64, 'b'), cache, fake);
        REQUIRE_FALSE(pinned);
        CHECK(pinned.error().what.find("is not the package the lock pins") != std::string::npos);
        CHECK(pinned.error().hint.find("--locked") != std::string::npos);
        CHECK(fake.count(is_download) == 0); // refused before fetching anything
    }
    {
        test::FakeRunner fake; // the index says one digest, the file has another
        serve(fake, "thing-dkms", "1.0-2", std::string(64, 'c'));
        auto bad = recipe::fetch_deb("thing-dkms", "", "", cache, fake);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().what.find("but apt's index says") != std::string::npos);
        CHECK_FALSE(fs::exists(cache / "debs" / (std::string(64, 'c') + ".deb")));
    }
    {
        test::FakeRunner fake; // a package with nothing below usr/src
        serve(fake, "empty-dkms", "1.0");
        fake.on("dpkg-deb", 0, "", [](const util::Command& c) {
            fs::create_directories(fs::path(c.argv[3]) / "usr/share/doc");
        });
        auto none = recipe::fetch_deb("empty-dkms", "", "", test::scratch_dir("deb-empty"), fake);
        REQUIRE_FALSE(none);
        CHECK(none.error().what ==
              "empty-dkms 1.0 carries no DKMS source (no usr/src/*/dkms.conf)");
    }
}

TEST_CASE("deb source: no apt, an unknown package and a missing version each say what to do") {
    auto cache = test::scratch_dir("deb-errors");
    NoProgramRunner no_apt;
    auto missing = recipe::fetch_deb("thing-dkms", "", "", cache, no_apt);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().what.find("the distro package thing-dkms needs apt-get") == 0);
    CHECK(missing.error().hint.find("import-dkms") != std::string::npos);

    test::FakeRunner unknown;
    unknown.on(is_print_uris, 100, "E: Unable to locate package nosuch-dkms\n");
    auto u = recipe::fetch_deb("nosuch-dkms", "", "", cache, unknown);
    REQUIRE_FALSE(u);
    CHECK(u.error().what == "apt knows no package nosuch-dkms");
    CHECK(u.error().hint.find("apt-get update") != std::string::npos);

    test::FakeRunner no_version;
    no_version.on(is_print_uris, 100, "E: Version '9.9' for 'thing-dkms' was not found\n");
    auto v = recipe::fetch_deb("thing-dkms", "9.9", "", cache, no_version);
    REQUIRE_FALSE(v);
    CHECK(v.error().what == "apt has no version 9.9 of thing-dkms");
    CHECK(v.error().hint.find("apt-cache policy thing-dkms") != std::string::npos);

    test::FakeRunner knows;
    knows.on("apt-cache", 0, "Package: thing-dkms\nVersion: 1.0\n");
    CHECK(recipe::apt_knows("thing-dkms", knows));
    CHECK_FALSE(recipe::apt_knows("thing-dkms", unknown));
}

TEST_CASE("deb source: a name with no recipe stands for its -dkms package when apt knows it") {
    test::FakeRunner fake;
    fake.on("apt-cache", 0, "Package: acpi-call-dkms\nVersion: 1.2.2-2.1\n");
    util::Error missing{"no recipe named 'acpi-call-dkms'", "searched recipes", "see it", {}};
    for (std::string asked : {"acpi-call", "acpi-call-dkms"}) {
        auto r = recipe::distro_fallback(asked, missing, fake);
        REQUIRE(r);
        CHECK(r->name == "acpi-call");
        CHECK(r->deb == "acpi-call-dkms");
        CHECK(r->source == recipe::SourceKind::deb);
    }
    test::FakeRunner unknown;
    unknown.on("apt-cache", 100, "E: No packages found\n");
    auto none = recipe::distro_fallback("nosuch", missing, unknown);
    REQUIRE_FALSE(none);
    CHECK(none.error().what == missing.what);
    CHECK(none.error().hint ==
          "see it; apt knows no distro package nosuch-dkms either, and `wslmod search nosuch` "
          "lists what there is");
    CHECK_FALSE(recipe::distro_fallback("Bad Name", missing, fake)); // never asks apt
}
