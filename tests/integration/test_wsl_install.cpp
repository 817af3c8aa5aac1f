// `wslmod install`, `rollback`, `uninstall` and `doctor` against a fake Windows side
// (support/fake_windows.h): the .wslconfig switch, byte-identical rollback and uninstall, a
// SIGKILL at every write step leaving the old state or the new, the WSL < 2.5.1 refusal, and a
// changed stock kernel reported as stale.  The images are tiny real ones (two Debian modules),
// checked with qemu-img compare once installed.
#include <algorithm>
#include <fstream>
#include <functional>
#include <optional>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/fake_windows.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/sha256.h"
#include "wsl/wslconfig.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

void spit(const fs::path& p, const std::string& s) {
    std::ofstream(p, std::ios::binary) << s;
}

std::string sha(const fs::path& p) {
    auto d = util::sha256_file(p);
    REQUIRE(d);
    return util::to_hex(*d);
}

// A small modules image for the Debian release: isofs, and cdrom too when `both`; `extra`
// makes another image with the same modules.
fs::path make_image(const fs::path& dir, const std::string& name, bool both,
                    const std::string& extra = "") {
    const auto& k = test::debian_kernel();
    auto tree = dir / (name + ".tree");
    fs::create_directories(tree / "kernel/fs/isofs");
    fs::copy_file(k.modules / "kernel/fs/isofs/isofs.ko.xz", tree / "kernel/fs/isofs/isofs.ko.xz");
    std::string dep = "kernel/fs/isofs/isofs.ko.xz:\n";
    if (!extra.empty()) spit(tree / "modules.order", extra);
    if (both) {
        fs::create_directories(tree / "kernel/drivers/cdrom");
        fs::copy_file(k.modules / "kernel/drivers/cdrom/cdrom.ko.xz",
                      tree / "kernel/drivers/cdrom/cdrom.ko.xz");
        dep += "kernel/drivers/cdrom/cdrom.ko.xz:\n";
    }
    spit(tree / "modules.dep", dep);
    auto out = dir / (name + ".vhdx");
    auto r = test::run_wslmod({"image", "pack", tree.string(), "--output", out.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return out;
}

// A .wslconfig a user might have: a BOM, CRLF, comments, another section, a [wsl2] with keys.
const std::string original =
    "\xEF\xBB\xBF# my WSL settings\r\n[wsl2]\r\nmemory=8GB   ; half of it\r\nprocessors = 4\r\n"
    "\r\n[experimental]\r\nautoMemoryReclaim=gradual\r\n";

std::string escaped(const std::string& windows_path) {
    std::string out;
    for (char c : windows_path)
        out += c == '\\' ? std::string("\\\\") : std::string(1, c);
    return out;
}

// Every file below `dir` (relative names), for "nothing left behind" checks.
std::set<std::string> files_below(const fs::path& dir) {
    std::set<std::string> out;
    if (!fs::exists(dir)) return out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (!e.is_directory()) out.insert(fs::relative(e.path(), dir).string());
    return out;
}

nlohmann::json json_of(const util::CommandOutput& r) {
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    INFO(r.output);
    REQUIRE_FALSE(j.is_discarded());
    return j;
}

} // namespace

TEST_CASE("install writes both keys and copies both files, rollback and uninstall restore "
          ".wslconfig byte for byte",
          "[wsl]") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("wsl-install");
    test::FakeWindows win(dir);
    auto a = make_image(dir, "a", false), b = make_image(dir, "b", true);
    spit(win.wslconfig(), original);

    auto first = win.wslmod({"--json", "install", a.string()});
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    auto j = json_of(first);
    auto gen1 = win.install_root() / k.release / "1";
    std::string win_dir = "C:\\Users\\Ann Lee\\AppData\\Local\\wslmod\\" + k.release + "\\1\\";
    CHECK(j["installed"]["kernel"] == win_dir + "kernel");
    CHECK(j["installed"]["modules"] == win_dir + "modules.vhdx");
    CHECK(j["next"] == "wsl --shutdown");
    auto after_a = test::read_text(win.wslconfig());
    // Both keys, escaped, in [wsl2] after its last key; every other byte as it was.
    CHECK(
        after_a ==
        "\xEF\xBB\xBF# my WSL settings\r\n[wsl2]\r\nmemory=8GB   ; half of it\r\nprocessors = 4\r\n"
        "kernel=" +
            escaped(win_dir + "kernel") + "\r\nkernelModules=" + escaped(win_dir + "modules.vhdx") +
            "\r\n\r\n[experimental]\r\nautoMemoryReclaim=gradual\r\n");
    CHECK(sha(gen1 / "kernel") == sha(k.kernel));
    CHECK(sha(gen1 / "modules.vhdx") == sha(a));
    test::run_ok({"qemu-img", "compare", "-f", "vhdx", "-F", "vhdx", a.string(),
                  (gen1 / "modules.vhdx").string()});
    test::run_ok({"qemu-img", "check", "-f", "vhdx", (gen1 / "modules.vhdx").string()});

    // The text form tells the user what to do next.
    auto again = win.wslmod({"install", a.string()});
    CHECK(again.exit_code == 0);
    CHECK(again.output.find("already installed") != std::string::npos);
    CHECK(test::read_text(win.wslconfig()) == after_a);

    auto second = win.wslmod({"install", b.string(), "--load", "isofs"});
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    CHECK(second.output.find("wsl --shutdown") != std::string::npos);
    auto after_b = test::read_text(win.wslconfig());
    CHECK(after_b.find("kernelModules=" +
                       escaped("C:\\Users\\Ann Lee\\AppData\\Local\\wslmod\\" + k.release +
                               "\\2\\modules.vhdx") +
                       "\r\nloadKernelModules=isofs\r\n") != std::string::npos);
    CHECK(sha(win.install_root() / k.release / "2/modules.vhdx") == sha(b));

    auto st = json_of(win.wslmod({"--json", "doctor"}, {}, {{"WSLMOD_KERNEL_RELEASE", k.release}}));
    std::map<std::string, std::string> status;
    for (const auto& c : st["checks"])
        status[c["name"]] = c["status"];
    CHECK(status["wsl-version"] == "ok");
    CHECK(status["wslconfig"] == "ok");
    CHECK(status["installed"] == "ok");
    CHECK(st["stale"] == false);

    auto back = win.wslmod({"--json", "rollback"});
    INFO(back.output);
    REQUIRE(back.exit_code == 0);
    CHECK(test::read_text(win.wslconfig()) == after_a); // the previous .wslconfig, byte for byte
    CHECK(json_of(back)["marked_bad"] == sha(b));
    CHECK_FALSE(fs::exists(win.install_root() / k.release / "2"));
    CHECK(sha(gen1 / "modules.vhdx") == sha(a));

    // The image rolled back from is marked bad: installing it again needs --force.
    auto refused = win.wslmod({"install", b.string()});
    CHECK(refused.exit_code == 2);
    CHECK(refused.output.find("marked bad") != std::string::npos);
    CHECK(refused.output.find("--force") != std::string::npos);
    CHECK(test::read_text(win.wslconfig()) == after_a);
    auto forced = win.wslmod({"install", b.string(), "--force"});
    INFO(forced.output);
    REQUIRE(forced.exit_code == 0);

    // Rolling back twice reaches the .wslconfig from before the first install.
    REQUIRE(win.wslmod({"rollback"}).exit_code == 0);
    CHECK(test::read_text(win.wslconfig()) == after_a);
    REQUIRE(win.wslmod({"rollback"}).exit_code == 0);
    CHECK(test::read_text(win.wslconfig()) == original);

    REQUIRE(win.wslmod({"install", a.string(), "--force"}).exit_code == 0);
    auto un = win.wslmod({"uninstall"});
    INFO(un.output);
    REQUIRE(un.exit_code == 0);
    CHECK(test::read_text(win.wslconfig()) == original);
    CHECK_FALSE(fs::exists(win.install_root()));
    CHECK(files_below(win.profile) == std::set<std::string>{".wslconfig"});
}

TEST_CASE("install with no .wslconfig and --windows-root instead of wslpath and cmd.exe, and "
          "uninstall removes the file again",
          "[wsl]") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("wsl-install-root");
    test::FakeWindows win(dir);
    auto a = make_image(dir, "a", false);
    fs::remove(win.bin / "wslpath");
    fs::remove(win.bin / "cmd.exe");
    std::vector<std::pair<std::string, std::string>> env = {
        {"WSLMOD_USERPROFILE", "C:\\Users\\Ann Lee"},
        {"WSLMOD_INSTALL_DIR", "C:\\wslmod"},
        {"WSLMOD_WSL_EXE", (win.bin / "wsl.exe").string()}};
    auto r = win.wslmod({"install", a.string(), "--windows-root", win.root.string()}, {}, env);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::string win_dir = "C:\\\\wslmod\\\\" + k.release + "\\\\1\\\\";
    CHECK(sha(win.root / "wslmod" / k.release / "1/modules.vhdx") == sha(a));
    CHECK(test::read_text(win.wslconfig()) ==
          "[wsl2]\nkernel=" + win_dir + "kernel\nkernelModules=" + win_dir + "modules.vhdx\n");
    // Without the overrides and without wslpath, the Windows side cannot be found: a clear error.
    auto lost = win.wslmod({"uninstall"});
    CHECK(lost.exit_code != 0);
    CHECK(lost.output.find("--windows-root") != std::string::npos);
    auto un = win.wslmod({"uninstall", "--windows-root", win.root.string()}, {}, env);
    INFO(un.output);
    REQUIRE(un.exit_code == 0);
    CHECK_FALSE(fs::exists(win.wslconfig()));
    CHECK(files_below(win.root / "Users").empty());
    CHECK_FALSE(fs::exists(win.root / "wslmod"));
}

// The CLI on .wslconfig forms other than UTF-8: what PowerShell 5's Out-File writes (UTF-16LE
// with a BOM, CRLF) is edited in place and given back byte for byte; a BOM-less UTF-16 file,
// which WSL itself reads as UTF-8, is edited too but with a warning; a folder is an error that
// creates nothing.
TEST_CASE("install and uninstall keep a UTF-16 .wslconfig UTF-16, and a folder named .wslconfig "
          "stops install",
          "[wsl]") {
    auto dir = test::scratch_dir("wsl-install-utf16");
    test::FakeWindows win(dir);
    auto a = make_image(dir, "a", false);
    auto utf16 = [](const std::string& ascii, bool bom) {
        std::string out = bom ? "\xFF\xFE" : "";
        for (char c : ascii)
            out += std::string{c, '\0'};
        return out;
    };
    const std::string text = "[wsl2]\r\nmemory=8GB\r\n";
    const std::string le = utf16(text, true);
    spit(win.wslconfig(), le);
    auto r = win.wslmod({"install", a.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("warning") == std::string::npos);
    auto now = test::read_text(win.wslconfig());
    CHECK(now.starts_with(
        le.substr(0, le.size() - 2))); // same BOM and bytes up to the last line's end
    CHECK(now.find(utf16("kernelModules=C:\\\\Users", false)) != std::string::npos);
    auto st = json_of(win.wslmod({"--json", "doctor"}));
    for (const auto& c : st["checks"])
        if (c["name"] == "wslconfig") CHECK(c["status"] == "ok");
    auto un = win.wslmod({"uninstall"});
    INFO(un.output);
    REQUIRE(un.exit_code == 0);
    CHECK(test::read_text(win.wslconfig()) == le);

    const std::string bare = utf16(text, false);
    spit(win.wslconfig(), bare);
    auto warned = win.wslmod({"install", a.string()});
    INFO(warned.output);
    REQUIRE(warned.exit_code == 0);
    CHECK(warned.output.find("is UTF-16LE without BOM, which WSL reads as UTF-8") !=
          std::string::npos);
    REQUIRE(win.wslmod({"uninstall"}).exit_code == 0);
    CHECK(test::read_text(win.wslconfig()) == bare);

    fs::remove(win.wslconfig());
    fs::create_directory(win.wslconfig());
    auto before = files_below(win.root);
    auto folder = win.wslmod({"install", a.string()});
    CHECK(folder.exit_code == 2);
    CHECK(folder.output.find(win.wslconfig().string() + ": .wslconfig is a folder, not a file") !=
          std::string::npos);
    CHECK(folder.output.substr(folder.output.find(".wslconfig is a folder")).find('\n') ==
          folder.output.size() - folder.output.find(".wslconfig is a folder") -
              1); // one line, the last
    CHECK(files_below(win.root) == before);
    CHECK_FALSE(fs::exists(win.install_root()));
}

TEST_CASE("install refuses WSL older than 2.5.1 with the Invalid boolean value explanation and "
          "changes nothing",
          "[wsl]") {
    auto dir = test::scratch_dir("wsl-install-old");
    test::FakeWindows win(dir);
    win.wsl_version = "2.4.13.0";
    auto a = make_image(dir, "a", false);
    spit(win.wslconfig(), original);
    auto r = win.wslmod({"install", a.string()});
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("2.4.13.0") != std::string::npos);
    CHECK(r.output.find("Invalid boolean value") != std::string::npos);
    CHECK(r.output.find("wsl --update") != std::string::npos);
    CHECK(test::read_text(win.wslconfig()) == original);
    CHECK_FALSE(fs::exists(win.install_root()));
    auto doc = json_of(win.wslmod({"--json", "doctor"}));
    bool failed_version = false;
    for (const auto& c : doc["checks"])
        failed_version = failed_version || (c["name"] == "wsl-version" && c["status"] == "fail");
    CHECK(failed_version);
}

namespace {

std::optional<std::string> slurp_if(const fs::path& p) {
    if (!fs::exists(p)) return std::nullopt;
    return test::read_text(p);
}

// One write command killed at each of its fault points in turn (WSLMOD_KILL_AT=1, 2, ...), each
// time on a fresh fake Windows side brought to the same old state by `setup`.  After each kill
// .wslconfig must be the old one or the new one, whatever it names must be whole, and no file
// under its final name may be partial; `settle` then runs the commands a user would, and the
// new state must result with nothing left behind.  Returns the names of the steps killed.
struct KillScenario {
    std::string name;
    std::function<void(const test::FakeWindows&)> setup;
    std::vector<std::string> command;
    std::function<void(const test::FakeWindows&, bool is_new)> settle;
};

std::vector<std::string> kill_at_every_step(const fs::path& dir, const KillScenario& sc,
                                            const std::set<std::string>& image_shas) {
    const auto& k = test::debian_kernel();
    auto kernel_sha = sha(k.kernel);
    std::optional<std::string> old_conf, new_conf;
    {
        test::FakeWindows ref(dir / (sc.name + "-reference"));
        sc.setup(ref);
        old_conf = slurp_if(ref.wslconfig());
        auto r = ref.wslmod(sc.command);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        new_conf = slurp_if(ref.wslconfig());
        REQUIRE(old_conf != new_conf);
    }
    std::vector<std::string> steps;
    for (int step = 1; step < 100; ++step) {
        auto run_dir = dir / fmt::format("{}-{}", sc.name, step);
        test::FakeWindows win(run_dir);
        sc.setup(win);
        auto r = win.wslmod(sc.command, {}, {{"WSLMOD_KILL_AT", std::to_string(step)}});
        INFO(sc.name << " step " << step << ": " << r.output);
        if (r.exit_code == 0) {
            CHECK(r.output.find("fault injection") == std::string::npos);
            break; // past the last fault point: the command ran to the end
        }
        REQUIRE(r.exit_code == 128 + 9);
        auto at = r.output.find(fmt::format("killed at step {} (", step));
        REQUIRE(at != std::string::npos);
        auto open = r.output.find('(', at);
        steps.push_back(r.output.substr(open + 1, r.output.find(')', open) - open - 1));

        // .wslconfig is one state or the other, and what it names is whole.
        auto conf = slurp_if(win.wslconfig());
        bool is_old = conf == old_conf, is_new = conf == new_conf;
        CHECK((is_old || is_new));
        for (const char* key : {"kernel", "kernelModules"}) {
            auto v = conf ? wsl::get_value(*conf, "wsl2", key) : std::nullopt;
            if (!v) continue;
            auto rel = v->substr(3);
            for (auto& c : rel)
                c = c == '\\' ? '/' : c;
            auto file = win.root / rel;
            REQUIRE(fs::exists(file));
            if (std::string(key) == "kernel")
                CHECK(sha(file) == kernel_sha);
            else
                CHECK(image_shas.count(sha(file)));
        }
        // No file under its final name is partial.
        for (const auto& f : files_below(win.install_root())) {
            if (f.find(".tmp.") != std::string::npos || f.find(".partial/") != std::string::npos)
                continue;
            auto name = fs::path(f).filename();
            if (name == "modules.vhdx") CHECK(image_shas.count(sha(win.install_root() / f)));
            if (name == "kernel") CHECK(sha(win.install_root() / f) == kernel_sha);
            if (name == "state.json")
                CHECK_FALSE(
                    nlohmann::json::parse(test::read_text(win.install_root() / f), nullptr, false)
                        .is_discarded());
        }
        sc.settle(win, is_new);
        CHECK(slurp_if(win.wslconfig()) == new_conf);
        for (const auto& f : files_below(win.root))
            CHECK((f.find(".tmp.") == std::string::npos &&
                   f.find(".partial") == std::string::npos &&
                   f.find(".lock") == std::string::npos));
        fs::remove_all(run_dir);
    }
    return steps;
}

void ok(const test::FakeWindows& win, std::vector<std::string> args) {
    auto r = win.wslmod(std::move(args));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
}

} // namespace

TEST_CASE("a SIGKILL at every write step of install, rollback and uninstall leaves the old state "
          "or the new, never a mix",
          "[wsl]") {
    auto dir = test::scratch_dir("wsl-install-kill");
    auto a = make_image(dir, "a", false), b = make_image(dir, "b", true),
         c = make_image(dir, "c", true, "c\n");
    std::set<std::string> images{sha(a), sha(b), sha(c)};
    auto installed = [&](std::vector<fs::path> imgs) {
        return [=](const test::FakeWindows& w) {
            spit(w.wslconfig(), original);
            for (const auto& i : imgs)
                ok(w, {"install", i.string()});
        };
    };

    // install on top of one generation: the usual case; every step but the first install's.
    auto over_one = kill_at_every_step(dir,
                                       {"over-one",
                                        installed({a}),
                                        {"install", b.string()},
                                        [&](const test::FakeWindows& w, bool) {
                                            ok(w, {"install", b.string()});
                                        }},
                                       images);
    CHECK(over_one.size() >= 10);
    CHECK(std::set<std::string>(over_one.begin(), over_one.end()).size() ==
          over_one.size()); // each a different step

    // install on top of two: the oldest generation is pruned.
    auto over_two = kill_at_every_step(dir,
                                       {"over-two",
                                        installed({a, b}),
                                        {"install", c.string()},
                                        [&](const test::FakeWindows& w, bool) {
                                            ok(w, {"install", c.string()});
                                        }},
                                       images);
    CHECK(std::count(over_two.begin(), over_two.end(), "old generation pruned") == 1);

    // the first install, with no .wslconfig yet: the original (none) is recorded.
    auto first = kill_at_every_step(dir,
                                    {"first",
                                     [](const test::FakeWindows&) {},
                                     {"install", a.string()},
                                     [&](const test::FakeWindows& w, bool) {
                                         ok(w, {"install", a.string()});
                                     }},
                                    images);
    CHECK(std::count(first.begin(), first.end(), "original saved") == 1);

    // rollback from b to a.
    auto back = kill_at_every_step(
        dir,
        {"rollback",
         installed({a, b}),
         {"rollback"},
         [&](const test::FakeWindows& w, bool is_new) {
             if (!is_new) ok(w, {"rollback"});
             ok(w, {"install", a.string()}); // already installed: only recovers
             CHECK(w.wslmod({"install", b.string()}).exit_code == 2); // b stays marked bad
         }},
        images);
    CHECK(back.size() >= 3);

    // uninstall after two installs.
    auto un = kill_at_every_step(dir,
                                 {"uninstall",
                                  installed({a, b}),
                                  {"uninstall"},
                                  [&](const test::FakeWindows& w, bool) {
                                      ok(w, {"uninstall"});
                                      CHECK_FALSE(fs::exists(w.install_root()));
                                  }},
                                 images);
    CHECK(un.size() >= 3);
}

TEST_CASE("install on WSL 2.7.3 warns that an image under the Users folder may be refused, and "
          "names the way out",
          "[wsl]") {
    auto dir = test::scratch_dir("wsl-install-2.7.3");
    test::FakeWindows win(dir);
    win.wsl_version = "2.7.3.0";
    auto a = make_image(dir, "a", false);
    auto r = win.wslmod({"install", a.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("microsoft/WSL#40482") != std::string::npos);
    CHECK(r.output.find("WSLMOD_INSTALL_DIR=C:\\wslmod") != std::string::npos);
}

TEST_CASE("a changed stock kernel in WSL's tools folder makes doctor report the install stale",
          "[wsl]") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("wsl-doctor-stale");
    test::FakeWindows win(dir);
    auto a = make_image(dir, "a", false);
    REQUIRE(win.wslmod({"install", a.string()}).exit_code == 0);
    std::vector<std::pair<std::string, std::string>> running = {
        {"WSLMOD_KERNEL_RELEASE", k.release}};
    auto fresh = json_of(win.wslmod({"--json", "doctor"}, {}, running));
    CHECK(fresh["stale"] == false);
    // A WSL update replaces tools\kernel.
    std::ofstream(win.tools / "kernel", std::ios::app | std::ios::binary) << "another build";
    auto r = win.wslmod({"--json", "doctor"}, {}, running);
    INFO(r.output);
    CHECK(r.exit_code == 1);
    auto doc = json_of(r);
    CHECK(doc["stale"] == true);
    bool named = false;
    for (const auto& c : doc["checks"])
        if (c["name"] == "installed") {
            named = c["status"] == "fail" &&
                    c["message"].get<std::string>().find("changed since generation 1") !=
                        std::string::npos &&
                    c["fix"].get<std::string>().find("wslmod upgrade") != std::string::npos;
        }
    CHECK(named);
}
