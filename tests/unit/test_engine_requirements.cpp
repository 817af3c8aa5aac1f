// check_requirements: every refusal (release range, release regex, architecture, config
// conditions, a [kconfig] option the kernel has built in) is a bad-input error naming the
// recipe file and the condition; a kernel that meets them all passes.
#include "engine/requirements.h"
#include "support/catch.h"

using namespace wslmod;
using namespace wslmod::engine;

namespace {

const std::string release = "6.12.117+deb12-amd64";

Target target() {
    Target t;
    t.release = release;
    t.arch = "x86_64";
    t.config_file = "/cache/trees/abc/.config";
    auto config = kernel::parse_config("# Linux/x86 6.12.117 Kernel Configuration\n"
                                       "CONFIG_X86_64=y\n"
                                       "CONFIG_USB=m\n"
                                       "CONFIG_USB_SERIAL=m\n"
                                       "CONFIG_INPUT=y\n"
                                       "CONFIG_HZ=250\n"
                                       "# CONFIG_USB_SERIAL_XR is not set\n",
                                       t.config_file);
    INFO((config ? "" : config.error().message()));
    REQUIRE(config);
    t.config = *config;
    return t;
}

recipe::Recipe base() {
    recipe::Recipe r;
    r.name = "picky";
    r.version = "1";
    r.dir = "/recipes/picky";
    r.file = "/recipes/picky/recipe.toml";
    r.modules = {{"picky", "extra/picky", ""}};
    return r;
}

// The refusal for `r`, checked to be bad input naming the recipe file.
util::Error refusal(const recipe::Recipe& r, const Target& t) {
    auto ok = check_requirements(r, t);
    REQUIRE_FALSE(ok);
    INFO(ok.error().message());
    CHECK(ok.error().code == util::ExitCode::usage);
    CHECK(ok.error().where == r.file.string());
    CHECK(ok.error().message().find('\n') == std::string::npos);
    CHECK_FALSE(ok.error().hint.empty());
    return ok.error();
}

bool has(const util::Error& e, const std::string& text) {
    return e.message().find(text) != std::string::npos;
}

} // namespace

TEST_CASE(
    "check_requirements passes a recipe without conditions, and one whose conditions all hold") {
    auto t = target();
    CHECK(check_requirements(base(), t));

    auto r = base();
    r.kernel = {{">=", "6.1"}, {"<", "6.19"}};
    r.kernel_match = R"(^6\.12\.)";
    r.arch = {"x86_64", "aarch64"};
    r.config = {
        {"USB", {"y", "m"}}, {"INPUT", {"y"}}, {"USB_SERIAL_XR", {"n"}}, {"NEVER_HEARD_OF", {"n"}}};
    r.source = recipe::SourceKind::kernel_tree;
    r.kernel_tree = {"drivers/usb/serial"};
    r.kconfig = {{"USB_SERIAL_XR", "m"}, {"USB_SERIAL_ABSENT", "m"}}; // unset or absent: fine
    auto ok = check_requirements(r, t);
    INFO((ok ? "" : ok.error().message()));
    CHECK(ok);

    r.kernel = {{"==", "6.12.117"}};
    CHECK(check_requirements(r, t));
    r.arch = {"x86_.*"}; // DKMS's BUILD_EXCLUSIVE_ARCH is a regex
    CHECK(check_requirements(r, t));
}

TEST_CASE("check_requirements refuses a kernel outside the release range, naming the range and the "
          "release") {
    auto r = base();
    r.kernel = {{"<", "5.0"}};
    auto e = refusal(r, target());
    CHECK(has(e, "<5.0"));
    CHECK(has(e, release));
    CHECK(has(e, "picky"));

    r.kernel = {{">=", "6.1"}, {"<", "6.12"}};
    e = refusal(r, target());
    CHECK(has(e, ">=6.1, <6.12"));
    r.kernel = {{">", "6.12.117"}};
    e = refusal(r, target());
    CHECK(has(e, ">6.12.117"));
}

TEST_CASE(
    "check_requirements refuses a release that kernel-match does not match, naming the regex") {
    auto r = base();
    r.kernel_match = R"(^5\.15\.)";
    auto e = refusal(r, target());
    CHECK(has(e, R"('^5\.15\.')"));
    CHECK(has(e, release));
}

TEST_CASE("check_requirements refuses another architecture, naming the kernel's") {
    auto r = base();
    r.arch = {"aarch64", "arm.*"};
    auto e = refusal(r, target());
    CHECK(has(e, "builds only for aarch64, arm.*, not x86_64"));
    CHECK(has(e, "arch")); // the hint points at [requires] arch
}

TEST_CASE("check_requirements refuses a config value the condition does not allow, naming both") {
    auto r = base();
    r.config = {{"USB", {"y", "m"}}, {"USB_SERIAL", {"y"}}};
    auto e = refusal(r, target());
    CHECK(has(e, "CONFIG_USB_SERIAL=y"));
    CHECK(has(e, "the kernel has CONFIG_USB_SERIAL=m"));
    CHECK(has(e, "/cache/trees/abc/.config")); // the hint names the config file
}

TEST_CASE(
    "check_requirements refuses a config symbol that is unset or absent when a value is required") {
    auto r = base();
    r.config = {{"USB_SERIAL_XR", {"y", "m"}}}; // "# ... is not set"
    auto e = refusal(r, target());
    CHECK(has(e, "CONFIG_USB_SERIAL_XR=m|y"));
    CHECK(has(e, "it unset"));

    r.config = {{"DOES_NOT_EXIST", {"y"}}}; // not in the file at all
    e = refusal(r, target());
    CHECK(has(e, "CONFIG_DOES_NOT_EXIST=y"));
    CHECK(has(e, "it unset"));

    r.config = {{"INPUT", {"n"}}}; // must be off, and is built in
    e = refusal(r, target());
    CHECK(has(e, "CONFIG_INPUT=n"));
    CHECK(has(e, "CONFIG_INPUT=y"));
}

TEST_CASE("check_requirements refuses a [kconfig] option the kernel has built in") {
    auto r = base();
    r.source = recipe::SourceKind::kernel_tree;
    r.kernel_tree = {"drivers/input"};
    r.kconfig = {{"INPUT", "m"}};
    auto e = refusal(r, target());
    CHECK(has(e, "CONFIG_INPUT"));
    CHECK(has(e, "built in (=y)"));
    CHECK(e.hint.find("drop INPUT from [kconfig]") != std::string::npos);

    r.kconfig = {{"USB_SERIAL", "m"}}; // already =m: a rebuild, not a clash
    CHECK(check_requirements(r, target()));
}

TEST_CASE("check_requirements reports the first unmet condition in order: range, regex, arch, "
          "config, kconfig") {
    auto r = base();
    r.kernel = {{"<", "5.0"}};
    r.kernel_match = "^5";
    r.arch = {"aarch64"};
    r.config = {{"DOES_NOT_EXIST", {"y"}}};
    auto e = refusal(r, target());
    CHECK(has(e, "<5.0"));
    r.kernel.clear();
    CHECK(has(refusal(r, target()), "'^5'"));
    r.kernel_match.clear();
    CHECK(has(refusal(r, target()), "x86_64"));
    r.arch.clear();
    CHECK(has(refusal(r, target()), "CONFIG_DOES_NOT_EXIST"));
}
