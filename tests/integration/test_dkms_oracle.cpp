// wslmod's DKMS path against real DKMS: the same source built by `dkms build` (Debian's dkms,
// into a scratch --dkmstree, nothing installed) and by `wslmod recipe build`, against the same
// prepared stand-in tree.  They must agree on which .ko files come out, their vermagic and
// srcversion (so the same patches were applied), whether debug sections were stripped, and
// what PRE_BUILD and POST_BUILD saw; and a package DKMS excludes is skipped by both.
// The sources: this repository's fixtures (tests/fixtures/dkms-oracle/README.md) and Debian
// *-dkms packages that real dkms builds for 6.12 (fetched by scripts/setup --deps).
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/copy_tree.h"
#include "util/file.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

struct Built {
    std::string vermagic, srcversion, debug; // debug: "yes" when .debug_info survived
};

std::string field(const fs::path& ko, const std::string& name) {
    return test::run_ok({"modinfo", "-F", name, ko.string()});
}

Built describe(const fs::path& ko) {
    auto sections = test::run_ok({"readelf", "-S", "-W", ko.string()});
    return {field(ko, "vermagic"), field(ko, "srcversion"),
            sections.find(".debug_info") != std::string::npos ? "yes" : "no"};
}

// PACKAGE_NAME and PACKAGE_VERSION as DKMS reads them.
std::pair<std::string, std::string> package_of(const fs::path& src) {
    auto out = test::run_ok({"bash", "-c",
                             "kernelver=x; . ./dkms.conf >/dev/null 2>&1; "
                             "printf '%s\\n%s' \"$PACKAGE_NAME\" \"$PACKAGE_VERSION\""},
                            src);
    auto nl = out.find('\n');
    return {out.substr(0, nl), out.substr(nl + 1)};
}

struct Side {
    int exit_code = -1;
    std::string output, log;          // log: what the build scripts wrote to WSLMOD_ORACLE_LOG
    std::map<std::string, Built> kos; // by file name
    nlohmann::json json;
};

util::CommandOutput run_logged(std::vector<std::string> argv, const fs::path& log) {
    util::SystemRunner runner;
    auto r = runner.run(util::Command(std::move(argv)).with_env("WSLMOD_ORACLE_LOG", log.string()));
    REQUIRE(r);
    return *r;
}

// `src` built by real dkms below `dir`.
Side real_dkms(const fs::path& src, const fs::path& tree, const std::string& release,
               const fs::path& dir) {
    auto [name, version] = package_of(src);
    auto source_tree = dir / "dkms-source";
    fs::create_directories(source_tree);
    fs::create_directories(dir / "dkms-tree"); // dkms checks it may write there
    REQUIRE(util::copy_tree(src, source_tree / (name + "-" + version), "the DKMS source"));
    auto log = dir / "dkms.log";
    auto r = run_logged({"dkms", "build", "--dkmstree", (dir / "dkms-tree").string(),
                         "--sourcetree", source_tree.string(), "-m", name, "-v", version, "-k",
                         release, "--kernelsourcedir", tree.string()},
                        log);
    Side s{r.exit_code, r.output, util::read_if_exists(log).value_or(""), {}, {}};
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir / "dkms-tree", ec))
        if (e.path().extension() == ".ko" && e.path().parent_path().filename() == "module")
            s.kos[e.path().filename().string()] = describe(e.path());
    return s;
}

// `src` built by wslmod below `dir`, from its own copy (as the .deb path unpacks one).
Side wslmod_build(const fs::path& src, const fs::path& tree, const fs::path& dir) {
    auto copy = dir / "wslmod-source" / src.filename();
    fs::create_directories(copy.parent_path());
    REQUIRE(util::copy_tree(src, copy, "the DKMS source"));
    auto log = dir / "wslmod.log";
    auto r = run_logged({test::wslmod_binary().string(), "--json", "recipe", "build", copy.string(),
                         "--kernel", tree.string(), "--cache", (dir / "cache").string()},
                        log);
    Side s{r.exit_code, r.output, util::read_if_exists(log).value_or(""), {}, {}};
    auto brace = r.output.find('{');
    if (brace != std::string::npos) s.json = nlohmann::json::parse(r.output.substr(brace));
    if (s.json.contains("builds"))
        for (const auto& b : s.json["builds"])
            for (const auto& m : b["modules"]) {
                fs::path ko = m["file"].get<std::string>();
                s.kos[ko.filename().string()] = describe(ko);
            }
    return s;
}

// Builds `src` both ways and checks they agree; returns what the build scripts logged.
std::string agree(const fs::path& src, const std::string& tag) {
    test::require_program("dkms");
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("dkms-oracle-" + tag);
    auto dkms = real_dkms(src, tree, k.release, dir);
    auto ours = wslmod_build(src, tree, dir);
    INFO("dkms build said:\n" << dkms.output);
    INFO("wslmod said:\n" << ours.output);
    REQUIRE(dkms.exit_code == 0);
    REQUIRE(ours.exit_code == 0);
    REQUIRE_FALSE(dkms.kos.empty());
    std::set<std::string> dkms_names, our_names;
    for (const auto& [n, b] : dkms.kos)
        dkms_names.insert(n);
    for (const auto& [n, b] : ours.kos)
        our_names.insert(n);
    CHECK(our_names == dkms_names);
    for (const auto& [n, b] : dkms.kos) {
        INFO(n);
        if (!ours.kos.count(n)) continue;
        const auto& o = ours.kos.at(n);
        CHECK(b.vermagic.starts_with(k.release + " "));
        CHECK(o.vermagic == b.vermagic);
        CHECK(o.srcversion == b.srcversion); // the same sources, patched the same way
        CHECK(o.debug == b.debug);           // STRIP honoured the same way
    }
    CHECK(ours.log == dkms.log);
    return ours.log;
}

} // namespace

TEST_CASE("dkms oracle: a dkms.conf using every variable and directive builds as dkms builds it") {
    auto src = fs::path(WSLMOD_SOURCE_DIR) / "tests/fixtures/dkms-oracle/wslmod-everything-1.0";
    auto log = agree(src, "everything");
    // What the fixture makes observable, spelled out once (both sides wrote it, and agree).
    CHECK(log.find("pre kernelver=" + test::debian_kernel().release + " arch=x86_64 ") == 0);
    CHECK(log.find("in_build=yes source=yes kernel=yes patched=yes built=no\npost ") !=
          std::string::npos);
    CHECK(log.ends_with("built=yes\n"));
}

TEST_CASE(
    "dkms oracle: Debian's acpi-call, bbswitch and lime-forensics build as dkms builds them") {
    for (std::string pkg : {"acpi-call-dkms", "bbswitch-dkms", "lime-forensics-dkms"}) {
        INFO(pkg);
        agree(test::dkms_source(pkg), pkg);
    }
}

TEST_CASE(
    "dkms oracle: a package BUILD_EXCLUSIVE excludes is skipped by both, with DKMS's reason") {
    test::require_program("dkms");
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("dkms-oracle-excluded");
    auto src = fs::path(WSLMOD_SOURCE_DIR) / "tests/fixtures/dkms-oracle/wslmod-excluded-1.0";
    auto dkms = real_dkms(src, tree, k.release, dir);
    auto ours = wslmod_build(src, tree, dir);
    INFO(dkms.output);
    INFO(ours.output);
    CHECK(dkms.exit_code == 77); // DKMS's "should not be built"
    CHECK(dkms.output.find("includes a BUILD_EXCLUSIVE directive which does not match this "
                           "kernel/arch/config") != std::string::npos);
    CHECK(dkms.kos.empty());
    CHECK(ours.exit_code == 0);
    CHECK(ours.kos.empty());
    REQUIRE(ours.json["skipped"].size() == 1);
    CHECK(ours.json["skipped"][0]["recipe"] == "wslmod-excluded");
    auto reason = ours.json["skipped"][0]["reason"].get<std::string>();
    CHECK(reason.find("includes a BUILD_EXCLUSIVE directive which does not match this "
                      "kernel/arch/config") != std::string::npos);
    CHECK(reason.find("CONFIG_WSLMOD_NEVER_SET") != std::string::npos);
}
