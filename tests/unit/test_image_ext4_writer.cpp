// The ext4 writer on a memory device, read back through the ext4 reader.
#include <algorithm>
#include <fstream>
#include <sys/stat.h>

#include "image/ext4_reader.h"
#include "image/ext4_writer.h"
#include "support/catch.h"
#include "support/prereq.h"

using namespace wslmod;
using namespace wslmod::image;

namespace {

std::filesystem::path sample_tree(const std::string& name, int extra_files = 0) {
    auto root = test::scratch_dir(name);
    std::filesystem::create_directories(root / "kernel/drivers/usb");
    std::ofstream(root / "modules.dep") << "kernel/drivers/usb/a.ko:\n";
    std::ofstream(root / "kernel/drivers/usb/a.ko") << std::string(10000, 'a');
    std::ofstream(root / "empty");
    ::chmod((root / "empty").c_str(), 0600);
    std::filesystem::create_symlink("kernel/drivers/usb/a.ko", root / "short-link");
    std::filesystem::create_symlink(std::string(100, 'x'), root / "long-link");
    std::filesystem::create_directory_symlink("/usr/src/linux-headers", root / "build");
    for (int i = 0; i < extra_files; ++i)
        std::ofstream(root / "kernel" / ("f" + std::to_string(i))) << i;
    return root;
}

struct Written {
    MemoryDevice device;
    Ext4Result result;
};

Written write(const Tree& tree, const Ext4Options& o) {
    auto plan = plan_ext4(tree, o);
    Written w{MemoryDevice(std::vector<std::byte>(plan.bytes())), {}};
    auto r = write_ext4(tree, plan, w.device, o);
    INFO((r ? "" : r.error().message()));
    REQUIRE(r);
    w.result = *r;
    return w;
}

} // namespace

TEST_CASE("write_ext4 keeps names, modes, contents and symlinks with owners 0:0 and one epoch") {
    auto tree = scan_tree(sample_tree("ext4-sample"), {"build", "source"});
    REQUIRE(tree);
    Ext4Options o;
    o.epoch = 1234567890;
    auto w = write(*tree, o);
    CHECK(w.result.files == 3);
    CHECK(w.result.symlinks == 2);
    auto fs = Ext4Reader::open(w.device, "mem");
    REQUIRE(fs);
    auto root = (*fs)->list("");
    REQUIRE(root);
    std::vector<std::string> names;
    for (const auto& e : *root)
        names.push_back(e.name);
    CHECK(names == std::vector<std::string>{"empty", "kernel", "long-link", "lost+found",
                                            "modules.dep", "short-link"});
    for (const auto& e : *root) {
        CHECK(e.uid == 0);
        CHECK(e.gid == 0);
        CHECK(e.mtime == 1234567890);
        if (e.name == "empty") CHECK(e.mode == 0600);
        if (e.name == "short-link") CHECK(e.target == "kernel/drivers/usb/a.ko");
        if (e.name == "long-link") CHECK(e.target == std::string(100, 'x'));
    }
    CHECK(*(*fs)->read_file("kernel/drivers/usb/a.ko") == std::string(10000, 'a'));
    CHECK(*(*fs)->read_file("modules.dep") == "kernel/drivers/usb/a.ko:\n");
    auto check = (*fs)->check();
    INFO((check ? "" : check.error().message()));
    REQUIRE(check);
    CHECK(check->files == 3);
}

TEST_CASE("write_ext4 is reproducible and its UUID follows the content") {
    auto tree = scan_tree(sample_tree("ext4-repro"));
    REQUIRE(tree);
    auto a = write(*tree, {});
    auto b = write(*tree, {});
    CHECK(a.device.bytes() == b.device.bytes());
    std::ofstream(test::scratch_dir("ext4-repro-x").parent_path() / "ext4-repro" / "modules.dep")
        << "kernel/drivers/usb/b.ko:\n";
    auto changed = scan_tree(test::scratch_dir("ext4-repro").parent_path() / "ext4-repro");
    REQUIRE(changed);
    auto c = write(*changed, {});
    auto fa = Ext4Reader::open(a.device, "a");
    auto fc = Ext4Reader::open(c.device, "c");
    REQUIRE(fa);
    REQUIRE(fc);
    CHECK((*fa)->uuid() != (*fc)->uuid()); // same listing (same size), other content
}

TEST_CASE("the artifacts layout puts the tree under <release>/modules") {
    auto tree = scan_tree(sample_tree("ext4-artifacts"));
    REQUIRE(tree);
    Ext4Options o;
    o.layout = Layout::artifacts;
    o.release = "6.6.87.2-microsoft-standard-WSL2";
    auto w = write(*tree, o);
    auto fs = Ext4Reader::open(w.device, "mem");
    REQUIRE(fs);
    CHECK(*(*fs)->read_file("6.6.87.2-microsoft-standard-WSL2/modules/modules.dep") ==
          "kernel/drivers/usb/a.ko:\n");
    REQUIRE((*fs)->check());
}

TEST_CASE("plan_ext4 leaves room for thousands of small files and big directories") {
    auto tree = scan_tree(sample_tree("ext4-many", 3000));
    REQUIRE(tree);
    auto w = write(*tree, {});
    auto fs = Ext4Reader::open(w.device, "mem");
    REQUIRE(fs);
    auto check = (*fs)->check();
    REQUIRE(check);
    CHECK(check->files == 3003);
}

TEST_CASE("a too small plan reports a full filesystem, which pack retries") {
    auto tree = scan_tree(sample_tree("ext4-full", 200));
    REQUIRE(tree);
    auto plan = plan_ext4(*tree, {});
    plan.inodes = 64;
    MemoryDevice dev(std::vector<std::byte>(plan.bytes()));
    auto r = write_ext4(*tree, plan, dev, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().what == "filesystem full");
}

TEST_CASE("SOURCE_DATE_EPOCH sets the epoch and a malformed value is an input error") {
    ::setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    CHECK(*source_date_epoch() == 1700000000);
    ::setenv("SOURCE_DATE_EPOCH", "soon", 1);
    auto bad = source_date_epoch();
    REQUIRE_FALSE(bad);
    CHECK(bad.error().where == "SOURCE_DATE_EPOCH=soon");
    ::unsetenv("SOURCE_DATE_EPOCH");
    CHECK(*source_date_epoch() == Ext4Options{}.epoch);
}

TEST_CASE("scan_tree with canonical modes gives the same listing whatever the umask that wrote the "
          "files") {
    namespace fs = std::filesystem;
    auto make = [](const std::string& name, fs::perms dir_mode, fs::perms file_mode,
                   fs::perms exec_mode) {
        auto root = test::scratch_dir(name);
        fs::create_directories(root / "kernel/drivers");
        std::ofstream(root / "kernel/drivers/a.ko") << "a";
        std::ofstream(root / "kernel/run.sh") << "#!/bin/sh\n";
        fs::create_symlink("drivers/a.ko", root / "kernel/link.ko");
        fs::permissions(root / "kernel/drivers/a.ko", file_mode);
        fs::permissions(root / "kernel/run.sh", exec_mode);
        for (const auto& d : {root / "kernel/drivers", root / "kernel", root})
            fs::permissions(d, dir_mode);
        return root;
    };
    using P = fs::perms;
    auto loose = make("modes-022", P(0755), P(0644), P(0755));
    auto tight = make("modes-077", P(0700), P(0600), P(0700));
    auto a = scan_tree(loose, {}, Modes::canonical), b = scan_tree(tight, {}, Modes::canonical);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->listing_digest == b->listing_digest);
    for (const auto& e : b->entries) {
        INFO(e.path);
        auto want = e.type == TreeEntry::Type::directory ? 0755u
                    : e.type == TreeEntry::Type::symlink ? 0777u
                    : e.path == "kernel/run.sh"          ? 0755u
                                                         : 0644u;
        CHECK(e.mode == want);
    }
    // As on disk, they differ: the default keeps what `image pack` is given.
    auto c = scan_tree(loose), d = scan_tree(tight);
    REQUIRE(c);
    REQUIRE(d);
    CHECK(c->listing_digest != d->listing_digest);
    for (const auto& p : {tight / "kernel/drivers", tight / "kernel", tight})
        fs::permissions(p, P(0755)); // scratch cleanup
}

TEST_CASE("a graft puts a second tree beside the first: build/ (flat) or linux-headers/ "
          "(artifacts), in the content digest") {
    auto tree = scan_tree(sample_tree("ext4-graft-main"), {"build", "source"});
    auto headers_dir = test::scratch_dir("ext4-graft-headers");
    std::filesystem::create_directories(headers_dir / "include/generated");
    std::ofstream(headers_dir / "Makefile") << "# top\n";
    std::ofstream(headers_dir / "include/generated/utsrelease.h") << "#define UTS_RELEASE \"r\"\n";
    std::filesystem::create_symlink("generated/utsrelease.h", headers_dir / "include/link.h");
    auto headers = scan_tree(headers_dir);
    REQUIRE(tree);
    REQUIRE(headers);
    Ext4Options plain;
    auto without = write(*tree, plain);

    Ext4Options flat;
    flat.grafts.push_back({"build", &*headers});
    auto w = write(*tree, flat);
    CHECK(w.result.files == 3 + 2);
    CHECK(w.result.symlinks == 2 + 1);
    CHECK(w.result.content_digest != without.result.content_digest);
    auto fs = Ext4Reader::open(w.device, "mem");
    REQUIRE(fs);
    CHECK(*(*fs)->read_file("build/Makefile") == "# top\n");
    CHECK(*(*fs)->read_file("build/include/generated/utsrelease.h") ==
          "#define UTS_RELEASE \"r\"\n");
    CHECK(*(*fs)->read_file("build/include/link.h") == "generated/utsrelease.h"); // the target
    CHECK(*(*fs)->read_file("modules.dep") == "kernel/drivers/usb/a.ko:\n");
    REQUIRE((*fs)->check());

    Ext4Options artifacts;
    artifacts.layout = Layout::artifacts;
    artifacts.release = "6.6.87.2-microsoft-standard-WSL2";
    artifacts.grafts.push_back({artifacts.release + "/linux-headers", &*headers});
    auto a = write(*tree, artifacts);
    auto afs = Ext4Reader::open(a.device, "mem");
    REQUIRE(afs);
    CHECK(*(*afs)->read_file("6.6.87.2-microsoft-standard-WSL2/linux-headers/Makefile") ==
          "# top\n");
    CHECK(*(*afs)->read_file("6.6.87.2-microsoft-standard-WSL2/modules/modules.dep") ==
          "kernel/drivers/usb/a.ko:\n");
    auto top = (*afs)->list("6.6.87.2-microsoft-standard-WSL2");
    REQUIRE(top);
    std::vector<std::string> names;
    for (const auto& e : *top)
        names.push_back(e.name);
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"linux-headers", "modules"});
    REQUIRE((*afs)->check());
}

TEST_CASE("add_root_symlink puts the link in sorted order and changes the listing digest") {
    auto tree = scan_tree(sample_tree("ext4-root-link"), {"build", "source"});
    REQUIRE(tree);
    auto before = tree->listing_digest;
    REQUIRE(add_root_symlink(*tree, "build", "/usr/src/linux-headers-r"));
    CHECK(tree->listing_digest != before);
    std::vector<std::string> top;
    for (const auto& e : tree->entries)
        if (!e.path.empty() && e.path.find('/') == std::string::npos) top.push_back(e.path);
    CHECK(top == std::vector<std::string>{"build", "empty", "kernel", "long-link", "modules.dep",
                                          "short-link"});
    CHECK(!add_root_symlink(*tree, "build", "/elsewhere"));
    auto w = write(*tree, Ext4Options{});
    auto fs = Ext4Reader::open(w.device, "mem");
    REQUIRE(fs);
    auto root = (*fs)->list("");
    REQUIRE(root);
    bool found = false;
    for (const auto& e : *root)
        if (e.name == "build") found = e.target == "/usr/src/linux-headers-r";
    CHECK(found);
    REQUIRE((*fs)->check());
}
