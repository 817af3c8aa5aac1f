// dkms.conf import: bash's declare -p output parsed from strings, then one fixture per real-world
// shape (tests/fixtures/dkms/<shape>/dkms.conf) evaluated by bash against a fake kernel tree in a
// scratch folder, and the broken shapes refused with the file (and line) and a fix.  bash is
// always there and each evaluation takes milliseconds, so these stay in the unit tier.
#include <cstdlib>
#include <fstream>

#include "recipe/dkms.h"
#include "support/catch.h"
#include "support/prereq.h"

using namespace wslmod;
using namespace wslmod::recipe;

namespace {

const std::string release = "6.12.117+deb12-amd64";

std::filesystem::path fixture(const std::string& shape) {
    return std::filesystem::path(WSLMOD_SOURCE_DIR) / "tests/fixtures/dkms" / shape;
}

// A kernel whose kernel_source_dir is a scratch folder holding only `config` as .config.
DkmsKernel fake_kernel(const std::string& name, const std::string& rel = release,
                       const std::string& config = "") {
    auto dir = test::scratch_dir("dkms-" + name);
    std::filesystem::create_directories(dir / "kernel");
    std::ofstream(dir / "kernel/.config") << config;
    return {rel, dir / "kernel", dir / "dkms"};
}

util::Result<Recipe> import(const std::string& shape, const DkmsKernel& k) {
    util::SystemRunner runner;
    return recipe_from_dkms(fixture(shape), k, runner);
}

Recipe imported(const std::string& shape, const DkmsKernel& k) {
    auto r = import(shape, k);
    INFO((r ? "" : r.error().message()));
    REQUIRE(r);
    return *r;
}

BashVar var(std::initializer_list<std::pair<long, std::string>> items) {
    return BashVar(items);
}

} // namespace

TEST_CASE("parse_declare_p reads scalars with bash's quoting") {
    auto vars = parse_declare_p("declare -- A=\"x\\\"y\\\\z\\$w\\`q\"\n"
                                "declare -x B=\"exported\"\n"
                                "declare -i C=\"3\"\n"
                                "declare -- D=$'line1\\nline2\\t\\001\\E\\x41\\101\\u00e9\\'end'\n"
                                "declare -- E=\"old bash\n"
                                "kept the newline\"\n"
                                "declare -- F=\"\"\n"
                                "declare -- G\n"
                                "declare -- H=\"it's a \\\\d\"\n");
    INFO((vars ? "" : vars.error().message()));
    REQUIRE(vars);
    CHECK(vars->at("A") == var({{0, "x\"y\\z$w`q"}}));
    CHECK(vars->at("B") == var({{0, "exported"}}));
    CHECK(vars->at("C") == var({{0, "3"}}));
    CHECK(vars->at("D") == var({{0, "line1\nline2\t\001\x1b"
                                    "AA\xc3\xa9'end"}}));
    CHECK(vars->at("E") == var({{0, "old bash\nkept the newline"}}));
    CHECK(vars->at("F") == var({{0, ""}}));
    CHECK(vars->count("G") == 0); // declared, never set
    CHECK(vars->at("H") == var({{0, "it's a \\d"}}));
    CHECK(vars->size() == 7);
}

TEST_CASE("parse_declare_p reads indexed arrays, sparse and quoted") {
    auto vars =
        parse_declare_p("declare -a M=([0]=\"make -C \\$PWD\" [3]=$'two\\nlines' [10]=\"a b)\")\n"
                        "declare -ax N=([2]=\"x\")\n"
                        "declare -a O=()\n"
                        "declare -a P\n"
                        "declare -a Q='([0]=\"bash 4.3\" [1]=\"it'\\''s\")'\n");
    INFO((vars ? "" : vars.error().message()));
    REQUIRE(vars);
    CHECK(vars->at("M") == var({{0, "make -C $PWD"}, {3, "two\nlines"}, {10, "a b)"}}));
    CHECK(vars->at("N") == var({{2, "x"}}));
    CHECK(vars->at("O").empty());
    CHECK(vars->count("P") == 0);
    CHECK(vars->at("Q") == var({{0, "bash 4.3"}, {1, "it's"}}));
}

TEST_CASE("parse_declare_p refuses what it cannot represent") {
    for (const char* text : {"declare -A K=([k]=\"v\" )\n", "declare -n L=\"A\"\n", "typeset X=1\n",
                             "declare -- X=\"unterminated\n", "declare -a M=([x]=\"1\")\n",
                             "declare -a M=([0]=\"1\"\n"}) {
        INFO(text);
        auto vars = parse_declare_p(text);
        REQUIRE_FALSE(vars);
        CHECK(vars.error().what.find("declare -p") != std::string::npos);
    }
}

TEST_CASE("dkms: several modules with their own build and install folders") {
    auto k = fake_kernel("multi");
    auto r = imported("multi-module", k);
    CHECK(r.name == "multi");
    CHECK(r.version == "2.1");
    CHECK(r.summary == "imported from dkms.conf");
    CHECK(r.source == SourceKind::dkms);
    CHECK(r.dkms == fixture("multi-module"));
    REQUIRE(r.modules.size() == 3);
    CHECK(r.modules[0].name == "alpha");
    CHECK(r.modules[0].location == "src/alpha");
    CHECK(r.modules[0].dest == "kernel/drivers/net");
    CHECK(r.modules[1].name == "beta");
    CHECK(r.modules[1].location == "src/beta");
    CHECK(r.modules[1].dest == "updates");
    CHECK(r.modules[2].name == "gamma");
    CHECK(r.modules[2].location == "");
    CHECK(r.modules[2].dest == "extra");
    auto build = (k.dkms_tree / "multi/2.1/build").string();
    CHECK(r.command == "make KERNELRELEASE=" + release + " -C " + k.source_dir.string() +
                           " M=" + build + " modules");
    CHECK(to_placeholders(r.command, k) ==
          "make KERNELRELEASE=${kernelver} -C ${kernel_source_dir} M=${build_dir} modules");
    CHECK(r.patches.empty());
    CHECK(r.pre_build.empty());
    CHECK(r.kernel.empty());

    // Without a kernel the same command comes out portable.
    auto portable = imported("multi-module", placeholder_kernel());
    CHECK(portable.command == "make KERNELRELEASE=${kernelver} -C ${kernel_source_dir} "
                              "M=${dkms_tree}/multi/2.1/build modules");
    CHECK(to_placeholders(portable.command, placeholder_kernel()) ==
          "make KERNELRELEASE=${kernelver} -C ${kernel_source_dir} M=${build_dir} modules");
}

TEST_CASE("dkms: MAKE without an index, and the module named after the package") {
    auto r = imported("make-no-index", fake_kernel("plain"));
    CHECK(r.command == "make KERNELRELEASE=" + release + " -C src KVER=" + release + " NAME=plain");
    REQUIRE(r.modules.size() == 1);
    CHECK(r.modules[0].name == "plain");
    CHECK(r.modules[0].dest == "extra");
    util::SystemRunner runner;
    auto conf = evaluate_dkms(fixture("make-no-index"), fake_kernel("plain"), runner);
    REQUIRE(conf);
    // STRIP[0]="no" is honoured now, so nothing is left to ignore.
    CHECK(ignored_dkms_variables(*conf).empty());
    CHECK_FALSE(r.modules[0].strip);
}

TEST_CASE("dkms: a chained make gets KERNELRELEASE on its leading make only") {
    auto k = fake_kernel("chained");
    auto r = imported("chained-make", k);
    CHECK(r.command == "make KERNELRELEASE=" + release + " -C " + k.source_dir.string() +
                           " M=$PWD/driver modules && make -C tools KVER=" + release);
    CHECK(to_placeholders(r.command, k) ==
          "make KERNELRELEASE=${kernelver} -C ${kernel_source_dir} M=$PWD/driver modules && make "
          "-C tools KVER=${kernelver}");
    REQUIRE(r.modules.size() == 1);
    CHECK(r.modules[0].location == "driver");
    CHECK(r.modules[0].strip); // no STRIP line: DKMS strips by default
}

TEST_CASE("dkms: PRE_BUILD and POST_BUILD scripts, patches, BUILD_DEPENDS") {
    auto k = fake_kernel("configured");
    auto r = imported("pre-build", k);
    CHECK(r.pre_build ==
          "./configure --kernel=" + release + " --with-kernel=" + k.source_dir.string());
    CHECK(to_placeholders(r.pre_build, k) ==
          "./configure --kernel=${kernelver} --with-kernel=${kernel_source_dir}");
    CHECK(r.post_build == "./post-build.sh");
    CHECK(r.command.empty()); // no MAKE: Kbuild's default
    CHECK(r.patches == std::vector<std::filesystem::path>{
                           fixture("pre-build") / "patches/01-fix-build.patch",
                           fixture("pre-build") / "patches/02-new-kernels.patch"});
    CHECK(r.depends == std::vector<std::string>{"base-driver"});
    // PATCH_MATCH[1] = ^6\. leaves the second patch out for a 5.x kernel.
    auto old =
        imported("pre-build", fake_kernel("configured-old", "5.15.167.4-microsoft-standard-WSL2"));
    CHECK(old.patches ==
          std::vector<std::filesystem::path>{fixture("pre-build") / "patches/01-fix-build.patch"});
}

TEST_CASE("dkms: BUILD_EXCLUSIVE_* and OBSOLETE_BY become requirements") {
    auto r = imported("exclusive", fake_kernel("exclusive"));
    CHECK(r.kernel_match == "^6\\.(1[0-9]|[2-9][0-9])\\.");
    REQUIRE(r.kernel.size() == 3);
    CHECK((r.kernel[0].op == ">=" && r.kernel[0].version == "6.1"));
    CHECK((r.kernel[1].op == "<=" && r.kernel[1].version == "6.19.99"));
    CHECK((r.kernel[2].op == "<" && r.kernel[2].version == "6.20"));
    CHECK(release_in_range(release, r.kernel));
    CHECK_FALSE(release_in_range("6.20.1", r.kernel));
    CHECK(r.arch == std::vector<std::string>{"x86_64|aarch64"});
    REQUIRE(r.config.size() == 3);
    CHECK(r.config[0].symbol == "USB");
    CHECK(r.config[0].values == std::set<std::string>{"y", "m"});
    CHECK(r.config[1].symbol == "PCI");
    CHECK(r.config[2].symbol == "EXCLUSIVE_LEGACY");
    CHECK(r.config[2].values == std::set<std::string>{"n"});
}

TEST_CASE("dkms: bash conditionals on $kernelver, $arch and the kernel's .config") {
    const std::string config = "CONFIG_VIDEO_DEV=m\nCONFIG_USB_SERIAL=m\n";
    auto k = fake_kernel("cond-new", release, config);
    auto r = imported("conditional", k);
    CHECK(r.command == "make KERNELRELEASE=" + release + " KERNEL_DIR=" + k.source_dir.string() +
                           " NEW_API=1 all");
    CHECK(r.kernel_match.empty());
    REQUIRE(r.modules.size() == 3);
    CHECK(r.modules[0].name == "cond");
    CHECK(r.modules[1].name == "cond_x86");
    CHECK(r.modules[2].name == "cond_serial");
    CHECK(r.modules[2].dest == "extra/cond"); // no DEST_MODULE_LOCATION[2]

    // Without CONFIG_VIDEO_DEV the package excludes itself with a regex no release matches.
    auto bare = imported("conditional", fake_kernel("cond-bare", release, "CONFIG_USB=y\n"));
    CHECK(bare.kernel_match == "REQUIRES CONFIG_VIDEO_DEV");
    CHECK(bare.modules.size() == 2);

    // Before 5.18 the other branch, and MAKE_MATCH[1] picks MAKE[1] for 5.10.
    auto old = imported("conditional",
                        fake_kernel("cond-old", "5.10.102.1-microsoft-standard-WSL2", config));
    CHECK(old.command == "make KERNELRELEASE=5.10.102.1-microsoft-standard-WSL2 LEGACY=1 all");
    auto mid_kernel = fake_kernel("cond-mid", "5.15.167.4-microsoft-standard-WSL2", config);
    auto mid = imported("conditional", mid_kernel);
    CHECK(mid.command == "make KERNELRELEASE=5.15.167.4-microsoft-standard-WSL2 KERNEL_DIR=" +
                             mid_kernel.source_dir.string() + " all");
    auto arm = fake_kernel("cond-arm", release, config);
    arm.arch = "aarch64";
    CHECK(imported("conditional", arm).modules.size() == 2);
}

TEST_CASE("dkms: without a kernel, MAKE_MATCH becomes a bash test at build time") {
    auto r = imported("conditional", placeholder_kernel());
    REQUIRE(r.command.find("if [[ $kernelver =~ $wslmod_match_0 ]]") != std::string::npos);
    // Run the command with make stubbed out, as wslmod runs it: bash with kernelver exported.
    util::SystemRunner runner;
    for (auto [rel, expect] :
         {std::pair{"5.10.102.1", "make KERNELRELEASE=5.10.102.1 LEGACY=1 all"},
          {"6.6.87.2", "make KERNELRELEASE=6.6.87.2 -C /k M=/b"}}) {
        auto out =
            runner.run(util::Command({"bash", "-c", "make() { echo \"make $*\"; }\n" + r.command})
                           .with_env("kernelver", rel)
                           .with_env("kernel_source_dir", "/k")
                           .with_env("build_dir", "/b"));
        REQUIRE(out);
        INFO(r.command);
        CHECK(out->output == std::string(expect) + "\n");
    }
}

TEST_CASE("dkms: variables from the environment do not leak into the evaluation") {
    setenv("BUILD_EXCLUSIVE_KERNEL", "leaked", 1);
    setenv("MAKE", "make -j9", 1);
    auto r = import("exclusive", fake_kernel("leak"));
    unsetenv("BUILD_EXCLUSIVE_KERNEL");
    unsetenv("MAKE");
    REQUIRE(r);
    CHECK(r->kernel_match == "^6\\.(1[0-9]|[2-9][0-9])\\.");
    CHECK(r->command.empty());
}

TEST_CASE("dkms: broken dkms.conf files are refused with the file and a fix") {
    auto k = fake_kernel("broken");
    auto syntax = import("syntax-error", k);
    REQUIRE_FALSE(syntax);
    CHECK(syntax.error().where == (fixture("syntax-error") / "dkms.conf").string() + ":5");
    CHECK(syntax.error().what == "syntax error near unexpected token `fi'");
    CHECK(syntax.error().code == util::ExitCode::usage);

    auto nameless = import("no-module-name", k);
    REQUIRE_FALSE(nameless);
    CHECK(nameless.error().where == (fixture("no-module-name") / "dkms.conf").string());
    CHECK(nameless.error().what == "module record #0 has no BUILT_MODULE_NAME");
    CHECK(nameless.error().hint == "add BUILT_MODULE_NAME[0]=\"<module>\"");

    auto renamed = import("unmappable", k);
    REQUIRE_FALSE(renamed);
    CHECK(renamed.error().where == (fixture("unmappable") / "dkms.conf").string() + ":5");
    CHECK(renamed.error().what.find("DEST_MODULE_NAME[0] renames renamer_core to renamer") == 0);
    CHECK(!renamed.error().hint.empty());

    util::SystemRunner runner;
    auto missing = evaluate_dkms(fixture("no-such-shape"), k, runner);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().what == "no dkms.conf in this folder");

    auto dir = test::scratch_dir("dkms-exits");
    std::ofstream(dir / "dkms.conf") << "PACKAGE_NAME=x\necho bye >&2\nexit 3\n";
    auto exits = evaluate_dkms(dir, k, runner);
    REQUIRE_FALSE(exits);
    CHECK(exits.error().what.find("ended the shell") != std::string::npos);
    CHECK(exits.error().message().find('\n') == std::string::npos);
}

TEST_CASE("dkms: the mapping refuses what it cannot import") {
    auto base = [] {
        DkmsConf c;
        c.file = fixture("pre-build") / "dkms.conf";
        c.vars = {{"PACKAGE_NAME", {{0, "p"}}},
                  {"PACKAGE_VERSION", {{0, "1"}}},
                  {"BUILT_MODULE_NAME", {{0, "p"}}}};
        return c;
    };
    struct Case {
        std::string var;
        BashVar value;
        std::string expect;
        DkmsKernel kernel = {release, "/k", "/d"};
    };
    std::vector<Case> cases = {
        {"PACKAGE_VERSION", {{0, ""}}, "sets no PACKAGE_VERSION"},
        {"DKMS_DIRECTIVE_CC",
         {{0, "CC=clang"}},
         "DKMS_DIRECTIVE_CC sets a build environment variable"},
        {"build_exclude", {{0, "yes"}}, "sets build_exclude"},
        {"BUILT_MODULE_NAME", {{0, "p.ko"}}, "is not a module name"},
        {"BUILT_MODULE_LOCATION", {{0, "../elsewhere"}}, "leaves its folder"},
        {"MAKE_MATCH", {{0, "(unclosed"}}, "is not a regular expression"},
        {"PATCH", {{0, "none.patch"}}, "does not exist"},
        {"PATCH_MATCH", {{0, "^6"}}, "cannot decide", placeholder_kernel()},
        {"PRE_BUILD", {{0, "missing-script --x"}}, "does not exist"},
        {"PRE_BUILD", {{0, "patches/01-fix-build.patch"}}, "is not executable"},
        {"BUILD_EXCLUSIVE_KERNEL_MIN", {{0, "6.1-rc1"}}, "is not a release"},
        {"BUILD_EXCLUSIVE_CONFIG", {{0, "USB"}}, "not CONFIG_X"},
    };
    for (const auto& c : cases) {
        INFO(c.var + " / " + c.expect);
        auto conf = base();
        conf.vars[c.var] = c.value;
        if (c.var == "MAKE_MATCH") conf.vars["MAKE"] = {{0, "make"}};
        if (c.var == "PATCH_MATCH") conf.vars["PATCH"] = {{0, "01-fix-build.patch"}};
        auto r = recipe_from_dkms(conf, c.kernel);
        REQUIRE_FALSE(r);
        INFO(r.error().message());
        CHECK(r.error().what.find(c.expect) != std::string::npos);
        CHECK(r.error().where.starts_with(conf.file.string()));
        CHECK(!r.error().hint.empty());
    }
    auto ok = recipe_from_dkms(base(), {release, "/k", "/d"});
    REQUIRE(ok);
    CHECK(ok->modules.size() == 1);
}
