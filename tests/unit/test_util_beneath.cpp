#include <unistd.h>

#include <fstream>

#include "support/catch.h"
#include "util/beneath.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {
fs::path fresh(const std::string& name) {
    auto dir = fs::temp_directory_path() /
               ("wslmod-unit-beneath-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}
} // namespace

TEST_CASE("a name is one path component: not empty, not . or .., no slash and no NUL") {
    for (std::string ok : {"a", "hello.ko", "...", ".hidden", "a b", "x..y"})
        CHECK(util::is_component(ok));
    for (const std::string& bad :
         std::vector<std::string>{"", ".", "..", "a/b", "/", "../x", std::string("a\0b", 3)}) {
        INFO(bad);
        CHECK_FALSE(util::is_component(bad));
        CHECK_FALSE(util::check_component(bad, "img:/x"));
    }
    auto e = util::check_component("../../etc/passwd", "img:/");
    REQUIRE_FALSE(e);
    CHECK(e.error().code == util::ExitCode::usage);
    CHECK(e.error().message().find("'../../etc/passwd'") != std::string::npos);
}

TEST_CASE("quoted cuts hostile input to 200 bytes and escapes control and non-ASCII bytes") {
    CHECK(util::quoted("plain") == "'plain'");
    CHECK(util::quoted("a\nb\x1b[2J\xff") == "'a\\x0ab\\x1b[2J\\xff'");
    auto long_one = util::quoted(std::string(1 << 20, 'x'));
    CHECK(long_one.size() < 240);
    CHECK(long_one.ends_with("... (1048576 bytes)"));
}

TEST_CASE("Beneath writes below its folder only, and never through a symlink already there") {
    auto root = fresh("links");
    auto outside = fresh("outside");
    auto top = util::Beneath::open(root);
    REQUIRE(top);
    auto sub = top->make_dir("sub");
    REQUIRE(sub);
    auto file = sub->create_file("f");
    REQUIRE(file);
    CHECK(::write(file->get(), "x", 1) == 1);
    CHECK(fs::file_size(root / "sub/f") == 1);
    REQUIRE(sub->make_symlink("lnk", outside.string()));
    CHECK(fs::read_symlink(root / "sub/lnk") == outside);

    // The symlink is there now: neither a folder nor a file can be made through it.
    CHECK_FALSE(sub->make_dir("lnk"));
    CHECK_FALSE(sub->create_file("lnk"));
    CHECK_FALSE(sub->create_file("lnk/x"));
    CHECK_FALSE(top->make_dir("../escape"));
    CHECK(fs::is_empty(outside));
    CHECK_FALSE(fs::exists(root.parent_path() / "escape"));

    // An existing file is never replaced.
    CHECK_FALSE(sub->create_file("f"));
    CHECK(fs::file_size(root / "sub/f") == 1);
    REQUIRE(sub->set_mode(0555));
    CHECK((fs::status(root / "sub").permissions() & fs::perms::owner_write) == fs::perms::none);
    REQUIRE(sub->set_mode(0755));
    fs::remove_all(root);
    fs::remove_all(outside);
}

TEST_CASE("make_dirs opens or makes each folder of a path and refuses a symlink on the way",
          "[util]") {
    auto root = fresh("make-dirs");
    auto outside = fresh("make-dirs-outside");
    auto top = util::Beneath::open(root);
    REQUIRE(top);
    auto deep = top->make_dirs("a/b/c");
    REQUIRE(deep);
    CHECK(fs::is_directory(root / "a/b/c"));
    CHECK((fs::status(root / "a/b").permissions() & fs::perms::others_exec) !=
          fs::perms::none); // 0755
    auto again = top->make_dirs("a/b");
    REQUIRE(again);
    auto f = again->create_file("f");
    REQUIRE(f);
    REQUIRE(util::write_all(f->get(), std::string(100000, 'q'), "f"));
    CHECK(fs::file_size(root / "a/b/f") == 100000);
    REQUIRE(top->make_symlink("lnk", outside.string()));
    auto through = top->make_dirs("lnk/x");
    REQUIRE_FALSE(through);
    CHECK(through.error().message().find("lnk") != std::string::npos);
    CHECK_FALSE(top->make_dirs("a/../x"));
    CHECK(fs::is_empty(outside));
    REQUIRE(top->make_dirs(""));
    fs::remove_all(root);
    fs::remove_all(outside);
}
