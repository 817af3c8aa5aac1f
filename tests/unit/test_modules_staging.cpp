// The staging tree on small fake trees (file contents are not read, except to compress): stock
// files are linked in, depmod's old indexes left out, added modules placed at their dest,
// clashes with stock modules refused unless the recipe replaces them.
#include <fstream>

#include "modules/assemble.h"
#include "modules/staging.h"
#include "support/catch.h"
#include "support/files.h"
#include "support/prereq.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

// A stock cache entry with two modules; plain/ holds different bytes, to tell the twins apart.
modules::StockTree fake_stock(const fs::path& dir) {
    modules::StockTree s;
    s.tree = dir / "tree";
    s.plain = dir / "plain";
    s.release = "6.12.0-test";
    for (const auto& [rel, text] : std::vector<std::pair<std::string, std::string>>{
             {"kernel/drivers/net/dummy.ko.xz", "xz-dummy"},
             {"kernel/fs/isofs/isofs.ko.xz", "xz-isofs"},
             {"modules.dep", "old index"},
             {"modules.alias.bin", "old index"},
             {"modules.order", "kernel/fs/isofs/isofs.ko\n"},
             {"modules.builtin", "kernel/fs/ext4/ext4.ko\n"}}) {
        write(s.tree / rel, text);
        write(s.plain / rel, rel.ends_with(".xz") ? "plain-" + text : text);
    }
    s.modules = {{"dummy", "kernel/drivers/net/dummy.ko.xz"},
                 {"isofs", "kernel/fs/isofs/isofs.ko.xz"}};
    return s;
}

} // namespace

TEST_CASE(
    "the stock tree is linked in without its depmod indexes, and added modules land at dest") {
    auto dir = test::scratch_dir("staging-basic");
    auto stock = fake_stock(dir / "stock");
    write(dir / "built/hello.ko", "hello-elf");
    modules::StageSpec spec{&stock,
                            stock.release,
                            modules::Compression::none,
                            {{"hello", "hello", "extra/hello", dir / "built/hello.ko"}},
                            {},
                            dir / "cache"};
    fs::path root;
    {
        auto s = modules::Staging::create(spec, dir / "work");
        REQUIRE(s);
        root = s->root();
        CHECK(root == dir / "work/image/lib/modules/6.12.0-test");
        CHECK(test::read_text(root / "kernel/drivers/net/dummy.ko.xz") == "xz-dummy");
        CHECK(test::read_text(s->plain_root() / "kernel/drivers/net/dummy.ko.xz") ==
              "plain-xz-dummy");
        CHECK(fs::hard_link_count(root / "kernel/drivers/net/dummy.ko.xz") ==
              2); // linked, not copied
        CHECK_FALSE(fs::exists(root / "modules.dep"));
        CHECK_FALSE(fs::exists(root / "modules.alias.bin"));
        CHECK(fs::exists(root / "modules.order"));
        CHECK(fs::exists(root / "modules.builtin"));
        CHECK(test::read_text(root / "extra/hello/hello.ko") == "hello-elf");
        REQUIRE(s->added.size() == 1);
        CHECK(s->added[0].path == "extra/hello/hello.ko");
        CHECK(s->stock_modules == 2);
        CHECK(s->unchanged == 2);
        CHECK(s->replaced.empty());
    }
    CHECK_FALSE(fs::exists(dir / "work")); // the work folder goes with the Staging
}

TEST_CASE("a module named like a stock one is refused unless the recipe replaces it") {
    auto dir = test::scratch_dir("staging-clash");
    auto stock = fake_stock(dir / "stock");
    write(dir / "built/dummy.ko", "our-dummy");
    modules::StageSpec spec{
        &stock,
        stock.release,
        modules::Compression::none,
        {{"wslmod-dummy", "dummy", "extra/wslmod-dummy", dir / "built/dummy.ko"}},
        {},
        dir / "cache"};
    auto refused = modules::Staging::create(spec, dir / "work");
    REQUIRE_FALSE(refused);
    auto msg = refused.error().message();
    CHECK(msg.find("wslmod-dummy") != std::string::npos);
    CHECK(msg.find("kernel/drivers/net/dummy.ko.xz") != std::string::npos);
    CHECK(msg.find("replaces = [\"dummy\"]") != std::string::npos);
    CHECK(refused.error().code == util::ExitCode::usage);

    spec.replaces["wslmod-dummy"] = {"dummy", "not_in_stock"};
    auto s = modules::Staging::create(spec, dir / "work");
    REQUIRE(s);
    CHECK_FALSE(fs::exists(s->root() / "kernel/drivers/net/dummy.ko.xz"));
    CHECK_FALSE(fs::exists(s->plain_root() / "kernel/drivers/net/dummy.ko.xz"));
    CHECK(test::read_text(s->root() / "extra/wslmod-dummy/dummy.ko") == "our-dummy");
    REQUIRE(s->replaced.size() == 1);
    CHECK(s->replaced[0].stock_path == "kernel/drivers/net/dummy.ko.xz");
    CHECK(s->replaced[0].path == "extra/wslmod-dummy/dummy.ko");
    CHECK(s->unchanged == 1);
    REQUIRE(s->warnings.size() == 1);
    CHECK(s->warnings[0].find("not_in_stock") != std::string::npos);
}

TEST_CASE("a kernel-tree recipe replaces the stock module it rebuilds from its own folder, and "
          "nothing else") {
    auto dir = test::scratch_dir("staging-in-tree");
    auto stock = fake_stock(dir / "stock");
    write(dir / "built/dummy.ko", "our-dummy");
    modules::StageSpec spec{&stock,
                            stock.release,
                            modules::Compression::none,
                            {{"net-extra", "dummy", "extra/net-extra", dir / "built/dummy.ko"}},
                            {},
                            dir / "cache"};
    // Another folder of the kernel source: still a clash.
    spec.in_tree["net-extra"] = {"drivers/usb/serial", "drivers/net/ethernet"};
    auto refused = modules::Staging::create(spec, dir / "work");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message().find("kernel/drivers/net/dummy.ko.xz") != std::string::npos);
    // Its own folder: the same driver from the same source, replaced and reported.
    spec.in_tree["net-extra"] = {"drivers/usb/serial", "drivers/net"};
    auto s = modules::Staging::create(spec, dir / "work");
    REQUIRE(s);
    CHECK_FALSE(fs::exists(s->root() / "kernel/drivers/net/dummy.ko.xz"));
    CHECK(test::read_text(s->root() / "extra/net-extra/dummy.ko") == "our-dummy");
    REQUIRE(s->replaced.size() == 1);
    CHECK(s->replaced[0].recipe == "net-extra");
    CHECK(s->replaced[0].stock_path == "kernel/drivers/net/dummy.ko.xz");
    CHECK(s->warnings.empty());
    // A recipe that is not kernel-tree gets no such pass.
    spec.in_tree.clear();
    CHECK_FALSE(modules::Staging::create(spec, dir / "work"));
}

TEST_CASE("names clash across '-' and '_', and a dest may not leave the tree") {
    auto dir = test::scratch_dir("staging-names");
    write(dir / "built/hid-x.ko", "a");
    write(dir / "built/hid_x.ko", "b");
    modules::StageSpec spec{nullptr,
                            "6.12.0-test",
                            modules::Compression::none,
                            {{"one", "hid-x", "extra/one", dir / "built/hid-x.ko"},
                             {"two", "hid_x", "extra/two", dir / "built/hid_x.ko"}},
                            {},
                            dir / "cache"};
    auto dup = modules::Staging::create(spec, dir / "work");
    REQUIRE_FALSE(dup);
    CHECK(dup.error().message().find("recipes one and two both build a module named hid_x") !=
          std::string::npos);

    spec.added = {{"one", "hid-x", "../../escape", dir / "built/hid-x.ko"}};
    auto escape = modules::Staging::create(spec, dir / "work");
    REQUIRE_FALSE(escape);
    CHECK(escape.error().message().find("leaves the modules folder") != std::string::npos);
}

TEST_CASE(
    "without stock modules, empty build inputs are written and added modules are compressed") {
    auto dir = test::scratch_dir("staging-nostock");
    std::string elf(5000, 'x');
    write(dir / "built/hello.ko", "\x7f"
                                  "ELF" +
                                      elf);
    modules::StageSpec spec{nullptr,
                            "6.12.0-test",
                            modules::Compression::xz,
                            {{"hello", "hello", "extra/hello", dir / "built/hello.ko"}},
                            {},
                            dir / "cache"};
    auto s = modules::Staging::create(spec, dir / "work");
    REQUIRE(s);
    for (const char* f : {"modules.order", "modules.builtin", "modules.builtin.modinfo"}) {
        INFO(f);
        CHECK(fs::exists(s->root() / f));
        CHECK(fs::file_size(s->root() / f) == 0);
    }
    REQUIRE(s->added.size() == 1);
    CHECK(s->added[0].path == "extra/hello/hello.ko.xz");
    CHECK(fs::file_size(s->root() / "extra/hello/hello.ko.xz") < 1000); // compressed
    CHECK(test::read_text(s->plain_root() / "extra/hello/hello.ko.xz") ==
          test::read_text(dir / "built/hello.ko")); // plain twin
    CHECK(s->stock_modules == 0);
}

TEST_CASE("assembling refuses stock modules of another release before doing any work") {
    auto dir = test::scratch_dir("assemble-release");
    auto stock = fake_stock(dir / "stock");
    modules::AssembleSpec spec;
    spec.stock = &stock;
    spec.release = "6.13.0-other";
    spec.output = dir / "modules.vhdx";
    spec.cache = dir / "cache";
    util::SystemRunner runner;
    auto r = modules::assemble_image(spec, runner);
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find(
              "the stock modules are for 6.12.0-test but the kernel is 6.13.0-other") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(dir / "cache"));
    CHECK_FALSE(fs::exists(spec.output));
}
