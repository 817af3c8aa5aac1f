// The build steps as values: Kbuild's default make line, a recipe's own command, pre- and
// post-build scripts, the environment every step sees (DKMS's variables, MAKEFLAGS, the
// dependencies' Module.symvers, [build] env), and the in-tree [kconfig] switches per folder.
#include <algorithm>
#include <optional>

#include "engine/jobserver.h"
#include "engine/steps.h"
#include "support/catch.h"

using namespace wslmod;
using namespace wslmod::engine;
namespace fs = std::filesystem;

namespace {

// The value the step's process sees for `key`: the last assignment wins, as in util::Command.
std::optional<std::string> env(const Step& s, const std::string& key) {
    std::optional<std::string> out;
    for (const auto& [k, v] : s.cmd.env)
        if (k == key) out = v;
    return out;
}

bool has_arg(const Step& s, const std::string& arg) {
    return std::find(s.cmd.argv.begin(), s.cmd.argv.end(), arg) != s.cmd.argv.end();
}

// Every argument starting with `prefix`.
std::vector<std::string> args_starting(const Step& s, const std::string& prefix) {
    std::vector<std::string> out;
    for (const auto& a : s.cmd.argv)
        if (a.starts_with(prefix)) out.push_back(a);
    return out;
}

recipe::Recipe path_recipe() {
    recipe::Recipe r;
    r.name = "hello";
    r.version = "1.0";
    r.dir = "/recipes/hello";
    r.file = "/recipes/hello/recipe.toml";
    r.source = recipe::SourceKind::path;
    r.path = "/recipes/hello/files";
    r.modules = {{"hello", "extra/hello", ""}};
    return r;
}

StepContext context() {
    StepContext ctx;
    ctx.tree = "/cache/trees/abc";
    ctx.build_dir = "/cache/builds/.tmp-k-1/hello/1.0/build";
    ctx.release = "6.12.117+deb12-amd64";
    ctx.makeflags = " -j4 --jobserver-auth=5,6";
    return ctx;
}

// The environment DKMS gives every step, plus the jobserver.
void check_common_env(const Step& s, const StepContext& ctx) {
    INFO(s.what);
    CHECK(s.cmd.cwd == ctx.build_dir);
    CHECK(env(s, "kernelver") == ctx.release);
    CHECK(env(s, "kernel_source_dir") == ctx.tree.string());
    CHECK(env(s, "build_dir") == ctx.build_dir.string());
    CHECK(env(s, "arch") == "x86_64");
    CHECK(env(s, "MAKEFLAGS") == ctx.makeflags);
}

} // namespace

TEST_CASE("build_steps of a path recipe is Kbuild's make -C <tree> M=<build> modules") {
    auto r = path_recipe();
    r.make_args = {"V=1", "EXTRA=yes"};
    r.make_env = {{"KCFLAGS", "-g"}, {"FOO", "bar"}};
    auto ctx = context();
    auto steps = build_steps(r, ctx);
    REQUIRE(steps.size() == 1);
    const auto& s = steps[0];
    CHECK(s.what == "build");
    CHECK(s.cmd.argv == std::vector<std::string>{"make", "-C", "/cache/trees/abc",
                                                 "M=/cache/builds/.tmp-k-1/hello/1.0/build", "V=1",
                                                 "EXTRA=yes", "modules"});
    check_common_env(s, ctx);
    CHECK(env(s, "FOO") == "bar"); // [build] env
    // The prefix maps first, the recipe's own flags after them.
    CHECK(env(s, "KCFLAGS") ==
          "-ffile-prefix-map=/cache/builds/.tmp-k-1/hello/1.0/build=/usr/src/hello-1.0 "
          "-ffile-prefix-map=/cache/trees/abc=/usr/src/linux-headers-" +
              ctx.release + " -g");
    CHECK_FALSE(env(s, "KBUILD_EXTRA_SYMBOLS")); // no dependencies
    CHECK(
        args_starting(s, "KCFLAGS=").empty()); // the kconfig header is for kernel-tree recipes only
}

TEST_CASE("reproducible_cflags maps the build folder and the tree to paths that are the same on "
          "every machine") {
    auto r = path_recipe();
    auto a = context(), b = context();
    b.build_dir = "/home/someone/.cache/wslmod/builds/.tmp-k-999/hello/1.0/build";
    b.tree = "/home/someone/.cache/wslmod/trees/abc";
    CHECK(reproducible_cflags(r, a) !=
          reproducible_cflags(r, b)); // the maps name each machine's folders
    for (const auto& ctx : {a, b}) {
        auto flags = reproducible_cflags(r, ctx);
        CHECK(flags.find("-ffile-prefix-map=" + ctx.build_dir.string() + "=/usr/src/hello-1.0 ") ==
              0);
        CHECK(flags.ends_with("-ffile-prefix-map=" + ctx.tree.string() +
                              "=/usr/src/linux-headers-" + ctx.release));
    }
}

TEST_CASE("build_steps of a command recipe runs it with bash in the build folder") {
    auto r = path_recipe();
    r.command = "make KERNEL_DIR=${kernel_source_dir} all";
    r.make_args = {"V=1"}; // Kbuild's default only
    auto ctx = context();
    ctx.arch = "aarch64";
    auto steps = build_steps(r, ctx);
    REQUIRE(steps.size() == 1);
    CHECK(steps[0].what == "build");
    CHECK(steps[0].cmd.argv ==
          std::vector<std::string>{"bash", "-c", "make KERNEL_DIR=${kernel_source_dir} all"});
    CHECK(steps[0].cmd.cwd == ctx.build_dir);
    CHECK(env(steps[0], "arch") == "aarch64");
    CHECK(env(steps[0], "kernel_source_dir") == "/cache/trees/abc");
}

TEST_CASE(
    "build_steps runs pre-build, build, post-build in that order, each with the same environment") {
    auto r = path_recipe();
    r.pre_build = "./configure --kernel=$kernelver";
    r.post_build = "./post.sh";
    r.make_env = {{"MY_VAR", "1"}};
    auto ctx = context();
    ctx.extra_symbols = {"/cache/builds/dep/Module.symvers"};
    auto steps = build_steps(r, ctx);
    REQUIRE(steps.size() == 3);
    CHECK(steps[0].what == "pre-build");
    CHECK(steps[0].cmd.argv ==
          std::vector<std::string>{"bash", "-c", "./configure --kernel=$kernelver"});
    CHECK(steps[1].what == "build");
    CHECK(steps[1].cmd.argv.front() == "make");
    CHECK(steps[2].what == "post-build");
    CHECK(steps[2].cmd.argv == std::vector<std::string>{"bash", "-c", "./post.sh"});
    for (const auto& s : steps) {
        check_common_env(s, ctx);
        CHECK(env(s, "MY_VAR") == "1");
        CHECK(env(s, "KBUILD_EXTRA_SYMBOLS") == "/cache/builds/dep/Module.symvers");
    }

    // Only a post-build: build, then post-build.
    r.pre_build.clear();
    auto two = build_steps(r, ctx);
    REQUIRE(two.size() == 2);
    CHECK(two[0].what == "build");
    CHECK(two[1].what == "post-build");
}

TEST_CASE("build_steps names every dependency's Module.symvers in KBUILD_EXTRA_SYMBOLS") {
    auto r = path_recipe();
    r.command = "make";
    auto ctx = context();
    ctx.extra_symbols = {"/cache/builds/aaa/Module.symvers", "/cache/builds/bbb/Module.symvers"};
    auto steps = build_steps(r, ctx);
    REQUIRE(steps.size() == 1);
    CHECK(env(steps[0], "KBUILD_EXTRA_SYMBOLS") ==
          "/cache/builds/aaa/Module.symvers /cache/builds/bbb/Module.symvers");
}

TEST_CASE(
    "launcher_overrides puts the launcher in front of gcc and make receives it through MAKEFLAGS") {
    CHECK(launcher_overrides("").empty());
    CHECK(launcher_overrides("ccache") == std::vector<std::string>{"CC=ccache gcc"});
    CHECK(launcher_overrides("distcc") == std::vector<std::string>{"CC=distcc gcc"});
    // The tree's compiler (kernel/compiler.h), with or without a launcher in front.
    CHECK(launcher_overrides("", "gcc-11") == std::vector<std::string>{"CC=gcc-11"});
    CHECK(launcher_overrides("ccache", "gcc-11") == std::vector<std::string>{"CC=ccache gcc-11"});

    auto js = Jobserver::create(2, "");
    REQUIRE(js);
    auto flags = js->makeflags(launcher_overrides("ccache"));
    // make's own MAKEFLAGS format: flags, " -- ", then the overrides with spaces escaped.
    CHECK(flags.ends_with(R"( -- CC=ccache\ gcc)"));
    CHECK(flags.starts_with(" -j2 --jobserver-auth="));

    auto ctx = context();
    ctx.makeflags = flags;
    auto steps = build_steps(path_recipe(), ctx);
    REQUIRE(steps.size() == 1);
    CHECK(env(steps[0], "MAKEFLAGS") == flags);
}

TEST_CASE(
    "build_steps of a kernel-tree recipe makes each folder with only its own [kconfig] options") {
    recipe::Recipe r = path_recipe();
    r.name = "usb-extra";
    r.source = recipe::SourceKind::kernel_tree;
    r.path.clear();
    r.kernel_tree = {"drivers/usb/serial", "drivers/hid"};
    r.kconfig = {{"USB_SERIAL_XR", "m"}, {"HID_SONY", "m"}, {"HID_STEAM", "m"}};
    r.modules = {{"xr_serial", "extra/usb-extra", ""}, {"hid-sony", "extra/usb-extra", ""}};
    r.make_args = {"W=1"};
    auto ctx = context();
    ctx.kbuild["drivers/usb/serial"] = "# SPDX-License-Identifier: GPL-2.0\n"
                                       "obj-$(CONFIG_USB_SERIAL)\t\t\t+= usbserial.o\n"
                                       "usbserial-y := usb-serial.o generic.o bus.o\n"
                                       "usbserial-$(CONFIG_USB_SERIAL_CONSOLE)\t+= console.o\n"
                                       "obj-$(CONFIG_USB_SERIAL_XR)\t\t\t+= xr_serial.o\n"
                                       "obj-$(CONFIG_USB_SERIAL_FTDI_SIO)\t\t+= ftdi_sio.o\n";
    ctx.kbuild["drivers/hid"] = "hid-y\t\t\t:= hid-core.o hid-input.o hid-quirks.o\n"
                                "obj-$(CONFIG_HID)\t\t+= hid.o\n"
                                "obj-$(CONFIG_HID_SONY)\t\t+= hid-sony.o\n"
                                "obj-$(CONFIG_HID_STEAM)\t+= hid-steam.o\n"
                                "obj-$(CONFIG_HID_APPLE)\t+= hid-apple.o\n"
                                "obj-$(CONFIG_USB_HID)\t\t+= usbhid/\n";
    auto steps = build_steps(r, ctx);
    REQUIRE(steps.size() == 2);
    auto header = "KCFLAGS=-include " + kconfig_header_path(ctx.build_dir).string() + " " +
                  reproducible_cflags(r, ctx);

    const auto& serial = steps[0];
    CHECK(serial.what == "build drivers/usb/serial");
    CHECK(serial.cmd.argv ==
          std::vector<std::string>{"make", "-C", "/cache/trees/abc",
                                   "M=/cache/builds/.tmp-k-1/hello/1.0/build/drivers/usb/serial",
                                   "CONFIG_USB_SERIAL_XR=m", "CONFIG_USB_SERIAL=",
                                   "CONFIG_USB_SERIAL_FTDI_SIO=", header, "W=1", "modules"});
    CHECK_FALSE(has_arg(serial, "CONFIG_HID_SONY=m")); // another folder's option
    CHECK_FALSE(
        has_arg(serial, "CONFIG_USB_SERIAL_CONSOLE=")); // usbserial-$(...) selects no module
    check_common_env(serial, ctx);

    const auto& hid = steps[1];
    CHECK(hid.what == "build drivers/hid");
    CHECK(hid.cmd.argv[3] == "M=/cache/builds/.tmp-k-1/hello/1.0/build/drivers/hid");
    auto on = args_starting(hid, "CONFIG_");
    std::sort(on.begin(), on.end());
    CHECK(on == std::vector<std::string>{"CONFIG_HID=", "CONFIG_HID_APPLE=", "CONFIG_HID_SONY=m",
                                         "CONFIG_HID_STEAM=m", "CONFIG_USB_HID="});
    CHECK(has_arg(hid, header));
    CHECK(hid.cmd.argv.back() == "modules");
    check_common_env(hid, ctx);
}

TEST_CASE(
    "build_steps of a kernel-tree recipe adds the recipe's own KCFLAGS after the kconfig header") {
    recipe::Recipe r = path_recipe();
    r.source = recipe::SourceKind::kernel_tree;
    r.kernel_tree = {"drivers/usb/serial"};
    r.kconfig = {{"USB_SERIAL_XR", "m"}};
    r.make_env = {{"KCFLAGS", "-DDEBUG"}};
    auto ctx = context();
    ctx.kbuild["drivers/usb/serial"] = "obj-$(CONFIG_USB_SERIAL_XR) += xr_serial.o\n";
    auto steps = build_steps(r, ctx);
    REQUIRE(steps.size() == 1);
    auto kcflags = args_starting(steps[0], "KCFLAGS=");
    REQUIRE(kcflags.size() == 1);
    CHECK(kcflags[0] == "KCFLAGS=-include " + kconfig_header_path(ctx.build_dir).string() + " " +
                            reproducible_cflags(r, ctx) + " -DDEBUG");
}

TEST_CASE("build_steps of a kernel-tree folder without a Kbuild text passes only the header") {
    recipe::Recipe r = path_recipe();
    r.source = recipe::SourceKind::kernel_tree;
    r.kernel_tree = {"drivers/misc"};
    r.kconfig = {{"SOMETHING", "m"}};
    auto steps = build_steps(r, context());
    REQUIRE(steps.size() == 1);
    CHECK(args_starting(steps[0], "CONFIG_").empty());
    CHECK(args_starting(steps[0], "KCFLAGS=").size() == 1);
}

TEST_CASE("kbuild_module_symbols takes the CONFIG_ of obj-$(CONFIG_X) lines only") {
    const std::string makefile = "# SPDX-License-Identifier: GPL-2.0\n"
                                 "#\n"
                                 "# Makefile for the USB serial device drivers.\n"
                                 "#\n"
                                 "\n"
                                 "obj-$(CONFIG_A)\t\t\t+= a.o\n"
                                 "obj-$(CONFIG_B) += sub/\n"
                                 "foo-$(CONFIG_C) += c.o\n"
                                 "foo-objs := foo-main.o\n"
                                 "  obj-$(CONFIG_D) += d.o\n"
                                 "\tobj-$(CONFIG_E_2)\t:= e.o\n"
                                 "ifeq ($(CONFIG_F),y)\n"
                                 "ccflags-$(CONFIG_G) += -DG\n"
                                 "endif\n"
                                 "obj-y += always.o\n"
                                 "obj-m += x.o\n"
                                 "# obj-$(CONFIG_H) += commented.o\n"
                                 "obj-$(CONFIG_I)+=i.o\n"
                                 "subdir-ccflags-$(CONFIG_J) += -Werror\n"
                                 "CFLAGS_a.o := -I$(src) # obj-$(CONFIG_K)\n";
    CHECK(kbuild_module_symbols(makefile) == std::set<std::string>{"A", "B", "D", "E_2", "I"});
    CHECK(kbuild_module_symbols("").empty());
    CHECK(kbuild_module_symbols("obj-m := hello.o\n").empty());
}

TEST_CASE("kconfig_header defines CONFIG_X_MODULE for each option and nothing else") {
    auto h = kconfig_header({{"USB_SERIAL_XR", "m"}, {"HID_SONY", "m"}});
    CHECK(h.find("#define CONFIG_USB_SERIAL_XR_MODULE 1\n") != std::string::npos);
    CHECK(h.find("#define CONFIG_HID_SONY_MODULE 1\n") != std::string::npos);
    CHECK(h.find("#define CONFIG_USB_SERIAL_XR 1") == std::string::npos); // =m is not =y
    size_t defines = 0;
    for (size_t at = h.find("#define"); at != std::string::npos; at = h.find("#define", at + 1))
        ++defines;
    CHECK(defines == 2);
    auto empty = kconfig_header({});
    CHECK(empty.find("#define") == std::string::npos);
    CHECK(kconfig_header_path("/b/build") == fs::path("/b/build/.wslmod-kconfig.h"));
}

TEST_CASE("build_steps gives each kernel-tree folder the Module.symvers of the folders before it") {
    recipe::Recipe r = path_recipe();
    r.source = recipe::SourceKind::kernel_tree;
    r.kernel_tree = {"drivers/leds", "drivers/hid"};
    auto ctx = context();
    ctx.extra_symbols = {"/cache/builds/dep/Module.symvers"};
    auto steps = build_steps(r, ctx);
    REQUIRE(steps.size() == 2);
    CHECK(env(steps[0], "KBUILD_EXTRA_SYMBOLS") == "/cache/builds/dep/Module.symvers");
    CHECK(env(steps[1], "KBUILD_EXTRA_SYMBOLS") ==
          "/cache/builds/dep/Module.symvers " +
              (ctx.build_dir / "drivers/leds/Module.symvers").string());
    size_t assigned = 0; // once: a second assignment would not reach make
    for (const auto& [k, v] : steps[1].cmd.env)
        assigned += k == "KBUILD_EXTRA_SYMBOLS";
    CHECK(assigned == 1);
}
