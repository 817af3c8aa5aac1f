// Install generations on small temporary files (no kernel, no image): what rollback and
// uninstall do when the user edited .wslconfig after the install (only wslmod's keys go back,
// the edit stays), pruning to two generations, and which generation is current.
#include <ctime>
#include <fstream>

#include "support/catch.h"
#include "support/files.h"
#include "support/prereq.h"
#include <algorithm>

#include <unistd.h>

#include "wsl/config_file.h"
#include "wsl/install.h"
#include "wsl/text_form.h"
#include "wsl/wslconfig.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

struct Side {
    fs::path dir;
    wsl::Target target;
    explicit Side(const std::string& name) : dir(test::scratch_dir(name)) {
        fs::create_directories(dir / "c/Users/u");
        target.wslconfig = dir / "c/Users/u/.wslconfig";
        target.root = dir / "c/wslmod";
        auto root = dir / "c";
        target.windows_path = [root](const fs::path& p) -> util::Result<std::string> {
            auto rel = p.lexically_relative(root).string();
            for (auto& c : rel)
                c = c == '/' ? '\\' : c;
            return "C:\\" + rel;
        };
    }
    wsl::InstallRequest request(const std::string& image_bytes) const {
        std::ofstream(dir / "kernel") << "a stock kernel";
        auto image = dir / ("image-" + std::to_string(std::hash<std::string>{}(image_bytes)));
        std::ofstream(image) << image_bytes;
        return {image, dir / "kernel", "6.6.87.2-microsoft-standard-WSL2", std::nullopt, false};
    }
};

const std::string original = "[wsl2]\nkernel=C:\\\\old\\\\bzImage\nmemory=4GB\n";

} // namespace

TEST_CASE(
    "rollback after the user edited .wslconfig puts back only wslmod's keys and keeps the edit",
    "[wsl]") {
    Side s("wsl-install-edited");
    std::ofstream(s.target.wslconfig) << original;
    // The original names a kernel of the user's own: replaced only with force.
    auto refused = wsl::install(s.target, s.request("one"));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message().find("kernel=C:\\old\\bzImage") != std::string::npos);
    CHECK(refused.error().message().find("--force") != std::string::npos);
    CHECK(test::read_text(s.target.wslconfig) == original);
    auto forced = s.request("one");
    forced.force = true;
    auto g1 = wsl::install(s.target, forced);
    REQUIRE(g1);
    auto g2 = wsl::install(s.target, s.request("two"));
    REQUIRE(g2);
    auto edited = test::read_text(s.target.wslconfig) + "\n[experimental]\nsparseVhd=true\n";
    std::ofstream(s.target.wslconfig) << edited;

    auto r = wsl::rollback(s.target);
    REQUIRE(r);
    CHECK_FALSE(r->byte_identical);
    REQUIRE(r->to);
    CHECK(r->to->id == g1->generation.id);
    auto now = test::read_text(s.target.wslconfig);
    CHECK(now.find("sparseVhd=true") != std::string::npos);
    CHECK(wsl::get_value(now, "wsl2", "kernelModules") == g1->generation.modules);
    CHECK(wsl::get_value(now, "wsl2", "kernel") == g1->generation.kernel);
    auto state = wsl::read_state(s.target);
    REQUIRE(state);
    REQUIRE(state->current);
    CHECK(state->generations[static_cast<size_t>(*state->current)].id == g1->generation.id);
    REQUIRE(state->bad.size() == 1);
    CHECK(state->bad[0].generation == g2->generation.id);

    // uninstall, also after an edit: the original kernel= comes back, the edit stays.
    auto u = wsl::uninstall(s.target);
    REQUIRE(u);
    CHECK_FALSE(u->restored_bytes);
    now = test::read_text(s.target.wslconfig);
    CHECK(wsl::get_value(now, "wsl2", "kernel") == "C:\\old\\bzImage");
    CHECK_FALSE(wsl::get_value(now, "wsl2", "kernelModules"));
    CHECK(now.find("sparseVhd=true") != std::string::npos);
    CHECK(now.find("memory=4GB") != std::string::npos);
    CHECK_FALSE(fs::exists(s.target.root));
}

TEST_CASE("a third install keeps two generations, and the same image twice is no new generation",
          "[wsl]") {
    Side s("wsl-install-prune");
    for (const char* img : {"one", "two", "three"})
        REQUIRE(wsl::install(s.target, s.request(img)));
    auto state = wsl::read_state(s.target);
    REQUIRE(state);
    REQUIRE(state->generations.size() == 2);
    CHECK(state->generations[0].id == 2);
    CHECK(state->generations[1].id == 3);
    CHECK_FALSE(fs::exists(s.target.root / "6.6.87.2-microsoft-standard-WSL2/1"));
    auto again = wsl::install(s.target, s.request("three"));
    REQUIRE(again);
    CHECK(again->unchanged);
    CHECK(again->generation.id == 3);
    // One rollback reaches generation 2; the one before it was pruned, so a second refuses
    // rather than name files that are gone.
    auto back = wsl::rollback(s.target);
    REQUIRE(back);
    REQUIRE(back->to);
    CHECK(back->to->id == 2);
    auto kept = test::read_text(s.target.wslconfig);
    auto none = wsl::rollback(s.target);
    REQUIRE_FALSE(none);
    CHECK(none.error().message().find("the generation before this one is no longer kept") !=
          std::string::npos);
    CHECK(none.error().message().find("wslmod uninstall") != std::string::npos);
    CHECK(test::read_text(s.target.wslconfig) == kept);
}

TEST_CASE("rolling back the first install returns to no .wslconfig when there was none", "[wsl]") {
    Side s("wsl-install-first");
    REQUIRE(wsl::install(s.target, s.request("one")));
    REQUIRE(fs::exists(s.target.wslconfig));
    auto r = wsl::rollback(s.target);
    REQUIRE(r);
    CHECK_FALSE(r->to);
    CHECK(r->byte_identical);
    CHECK_FALSE(fs::exists(s.target.wslconfig));
    auto none = wsl::rollback(s.target);
    REQUIRE_FALSE(none);
    CHECK(none.error().message().find("nothing to roll back") != std::string::npos);
}

// Every form WSL users' editors save: the encoding and the line ends stay, and rollback and
// uninstall give back the very bytes.
TEST_CASE(".wslconfig in every encoding and line-end form round-trips byte for byte", "[wsl]") {
    const std::vector<wsl::TextForm> forms = {
        {wsl::Encoding::utf8, false},    {wsl::Encoding::utf8, true},
        {wsl::Encoding::utf16le, true},  {wsl::Encoding::utf16be, true},
        {wsl::Encoding::utf16le, false}, {wsl::Encoding::utf16be, false}};
    for (const auto& form : forms) {
        for (std::string eol : {"\n", "\r\n", "\r"}) {
            CAPTURE(wsl::describe(form), eol.size(), eol[0] == '\r');
            Side s("wsl-install-forms");
            auto text = "[wsl2]" + eol + "memory=4GB" + eol + eol + "[experimental]" + eol +
                        "sparseVhd=true" + eol;
            auto original = wsl::encode_text(text, form);
            std::ofstream(s.target.wslconfig, std::ios::binary) << original;

            auto g1 = wsl::install(s.target, s.request("one"));
            REQUIRE(g1);
            CHECK(g1->warnings.empty() == wsl::wsl_reads(form));
            auto after = wsl::read_config(s.target.wslconfig);
            REQUIRE(after);
            CHECK(after->form == form);
            CHECK(wsl::get_value(after->text, "wsl2", "kernelModules") == g1->generation.modules);
            CHECK(wsl::get_value(after->text, "wsl2", "memory") == "4GB");
            // Only the file's own line end is used: no other one appears.
            auto others = after->text;
            for (size_t at; (at = others.find(eol)) != std::string::npos;)
                others.erase(at, eol.size());
            CHECK(others.find_first_of("\r\n") == std::string::npos);

            REQUIRE(wsl::rollback(s.target));
            CHECK(test::read_text(s.target.wslconfig) == original);
            REQUIRE(wsl::install(s.target, s.request("two"))); // "one" is marked bad now
            REQUIRE(wsl::install(s.target, s.request("three")));
            auto u = wsl::uninstall(s.target);
            REQUIRE(u);
            CHECK(u->restored_bytes);
            CHECK(test::read_text(s.target.wslconfig) == original);
        }
    }
}

TEST_CASE("a CR-only .wslconfig whose comment hides the rest is refused with nothing written",
          "[wsl]") {
    Side s("wsl-install-cr-comment");
    const std::string original = "# mine\r[wsl2]\rmemory=4GB\r";
    std::ofstream(s.target.wslconfig, std::ios::binary) << original;
    auto r = wsl::install(s.target, s.request("one"));
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find(
              "cannot change .wslconfig without changing what WSL reads: WSL would not read "
              "wsl2.kernel") != std::string::npos);
    CHECK(r.error().hint.find("save it with CRLF line ends") != std::string::npos);
    CHECK(test::read_text(s.target.wslconfig) == original);
    CHECK_FALSE(fs::exists(s.target.root));
}

TEST_CASE("a symlinked .wslconfig is edited where it points, and stays a link", "[wsl]") {
    Side s("wsl-install-symlink");
    fs::create_directories(s.dir / "dotfiles");
    const std::string original = "[wsl2]\r\nmemory=4GB\r\n";
    std::ofstream(s.dir / "dotfiles/wslconfig", std::ios::binary) << original;
    fs::create_symlink("../../../dotfiles/wslconfig", s.target.wslconfig);
    auto g = wsl::install(s.target, s.request("one"));
    REQUIRE(g);
    CHECK(fs::is_symlink(fs::symlink_status(s.target.wslconfig)));
    CHECK(fs::read_symlink(s.target.wslconfig) == "../../../dotfiles/wslconfig");
    CHECK(wsl::get_value(test::read_text(s.dir / "dotfiles/wslconfig"), "wsl2", "kernelModules") ==
          g->generation.modules);
    auto listing = [](const fs::path& dir) {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir))
            names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    };
    CHECK(listing(s.dir / "dotfiles") ==
          std::vector<std::string>{"wslconfig"}); // no temporary left
    CHECK(listing(s.target.wslconfig.parent_path()) == std::vector<std::string>{".wslconfig"});
    REQUIRE(wsl::uninstall(s.target));
    CHECK(fs::is_symlink(fs::symlink_status(s.target.wslconfig)));
    CHECK(test::read_text(s.dir / "dotfiles/wslconfig") == original);

    // A dangling link names the file to create, and uninstall removes only that file.
    fs::remove(s.dir / "dotfiles/wslconfig");
    REQUIRE(wsl::install(s.target, s.request("one")));
    CHECK(fs::exists(s.dir / "dotfiles/wslconfig"));
    REQUIRE(wsl::uninstall(s.target));
    CHECK_FALSE(fs::exists(s.dir / "dotfiles/wslconfig"));
    CHECK(fs::is_symlink(fs::symlink_status(s.target.wslconfig)));
}

TEST_CASE(
    "a .wslconfig that is a folder, a link loop or unreadable is an error with nothing created",
    "[wsl]") {
    Side s("wsl-install-unreadable");
    auto refused = [&](const std::string& what) {
        auto r = wsl::install(s.target, s.request("one"));
        REQUIRE_FALSE(r);
        CHECK(r.error().message().find(what) != std::string::npos);
        CHECK(r.error().message().find(s.target.wslconfig.string()) != std::string::npos);
        CHECK_FALSE(fs::exists(s.target.root));
    };
    fs::create_directory(s.target.wslconfig);
    refused(".wslconfig is a folder, not a file");
    fs::remove(s.target.wslconfig);
    fs::create_symlink(".wslconfig", s.target.wslconfig);
    refused("the symlinks from .wslconfig go round more than 40 times");
    fs::remove(s.target.wslconfig);
    std::ofstream(s.target.wslconfig) << "[wsl2]\n";
    fs::permissions(s.target.wslconfig, fs::perms::none);
    if (::geteuid() != 0)
        refused("cannot read .wslconfig: Permission denied"); // root reads it anyway
    fs::permissions(s.target.wslconfig, fs::perms::owner_read | fs::perms::owner_write);

    // After an install, a .wslconfig turned into a folder stops rollback and uninstall, which
    // change nothing.
    REQUIRE(wsl::install(s.target, s.request("one")));
    auto saved = test::read_text(s.target.wslconfig);
    fs::rename(s.target.wslconfig, s.dir / "kept");
    fs::create_directory(s.target.wslconfig);
    auto r = wsl::rollback(s.target);
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("is a folder") != std::string::npos);
    auto u = wsl::uninstall(s.target);
    REQUIRE_FALSE(u);
    CHECK(fs::exists(s.target.root / "state.json"));
    fs::remove(s.target.wslconfig);
    fs::rename(s.dir / "kept", s.target.wslconfig);
    REQUIRE(wsl::uninstall(s.target));
}

TEST_CASE(
    "a live lock of another distro stops an install, and a lock over an hour old is taken over",
    "[wsl]") {
    Side s("wsl-install-lock");
    fs::create_directories(s.target.root);
    std::ofstream(s.target.root / ".lock")
        << "Ubuntu-24.04 0d1e-boot 4242 " << std::time(nullptr) << "\n";
    auto r = wsl::install(s.target, s.request("one"));
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("another wslmod is installing (Ubuntu-24.04 0d1e-boot 4242") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(s.target.wslconfig));
    std::ofstream(s.target.root / ".lock")
        << "Ubuntu-24.04 0d1e-boot 4242 " << std::time(nullptr) - 7200 << "\n";
    REQUIRE(wsl::install(s.target, s.request("one")));
    CHECK_FALSE(fs::exists(s.target.root / ".lock")); // released
}
