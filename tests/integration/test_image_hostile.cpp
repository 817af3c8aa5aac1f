// Hostile ext4 images against `wslmod image extract`, made at test time: mke2fs -d builds a
// small valid image, and libext2fs then plants what mke2fs never writes (a name with '/' or
// "..", a folder linked into itself, a file linked a thousand times).  libext2fs accepts all of
// these, as the kernel's own fsck would only flag them.  For every case: the exit code, a
// one-line error, the target absent, nothing else in the scratch folder changed, and bounded
// time and memory (GNU time's peak RSS).
#include <sys/stat.h>

#include <fstream>
#include <map>

#include <ext2fs/ext2fs.h>

#include "support/bounded.h"
#include "support/catch.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;
namespace fs = std::filesystem;
using test::listing;

namespace {

// An ext4 image of `tree` (mke2fs -d), `size` big.
fs::path make_image(const fs::path& tree, const fs::path& img, const std::string& size = "8M") {
    test::run_ok({"mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-d", tree.string(),
                  img.string(), size});
    return img;
}

// Opens `img` read-write with libext2fs, runs `edit`, and writes it back.
template <class F> void edit_image(const fs::path& img, F edit) {
    ext2_filsys fs = nullptr;
    REQUIRE(ext2fs_open(img.c_str(), EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs) ==
            0);
    REQUIRE(ext2fs_read_bitmaps(fs) == 0);
    edit(fs);
    REQUIRE(ext2fs_close_free(&fs) == 0);
}

ext2_ino_t lookup(ext2_filsys fs, const char* path) {
    ext2_ino_t ino = 0;
    REQUIRE(ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, &ino) == 0);
    return ino;
}

// A directory entry `name` in folder `dir` for inode `ino`, whatever the name holds.
void plant(ext2_filsys fs, ext2_ino_t dir, const std::string& name, ext2_ino_t ino, int type) {
    errcode_t e = ext2fs_link(fs, dir, name.c_str(), ino, type);
    if (e == EXT2_ET_DIR_NO_SPACE) {
        REQUIRE(ext2fs_expand_dir(fs, dir) == 0);
        e = ext2fs_link(fs, dir, name.c_str(), ino, type);
    }
    REQUIRE(e == 0);
}

// `wslmod image extract IMG DIR` under GNU time.
test::Bounded extract(const fs::path& img, const fs::path& dir,
                      std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{test::wslmod_binary().string(), "image", "extract", img.string(),
                                  dir.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return test::run_bounded(argv);
}

// A refused extract: exit 2, one error line that says `why`, no target and no temporary left,
// nothing else changed, within 10 s and 512 MB.
void check_refused(const fs::path& scratch, const fs::path& img, const std::string& why) {
    auto target = scratch / "work/out";
    auto before = listing(scratch);
    auto o = extract(img, target);
    INFO(o.output);
    CHECK(o.exit_code == 2);
    CHECK(o.output.starts_with("wslmod: error: "));
    CHECK(std::count(o.output.begin(), o.output.end(), '\n') == 1);
    CHECK(o.output.find(why) != std::string::npos);
    CHECK(listing(scratch) == before); // no target, no temporary, nothing written through a link
    CHECK(o.seconds < 10);
    CHECK(o.peak_kb < 512 * 1024);
}

// The tree every case starts from: a module, a folder, and a symlink that points outside.
fs::path base_tree(const fs::path& scratch) {
    auto tree = scratch / "tree";
    fs::create_directories(tree / "kernel/drivers");
    std::ofstream(tree / "kernel/drivers/x.ko") << std::string(70000, 'x');
    std::ofstream(tree / "modules.dep") << "kernel/drivers/x.ko:\n";
    fs::create_directories(scratch / "outside");
    fs::create_directory_symlink(scratch / "outside", tree / "lnk");
    fs::create_directories(scratch / "work");
    return tree;
}

} // namespace

TEST_CASE("image extract refuses names that are not one component, and writes nothing through a "
          "planted symlink") {
    auto scratch = test::scratch_dir("hostile-names");
    auto tree = base_tree(scratch);
    for (std::string name : {"../../outside/ESC", "lnk/ESC", "..", "kernel/../../ESC"}) {
        INFO(name);
        auto img = make_image(tree, scratch / "img.ext4");
        edit_image(img, [&](ext2_filsys fs) {
            plant(fs, EXT2_ROOT_INO, name, lookup(fs, "kernel/drivers/x.ko"), EXT2_FT_REG_FILE);
        });
        check_refused(scratch, img, "unsafe name");
        fs::remove(img);
    }
    CHECK(fs::is_empty(scratch / "outside"));
}

TEST_CASE(
    "image extract refuses a folder linked into itself instead of walking the loop without end") {
    auto scratch = test::scratch_dir("hostile-loop");
    auto img = make_image(base_tree(scratch), scratch / "img.ext4");
    edit_image(img, [&](ext2_filsys fs) {
        auto kernel = lookup(fs, "kernel");
        plant(fs, lookup(fs, "kernel/drivers"), "again", kernel, EXT2_FT_DIR);
    });
    check_refused(scratch, img, "reached twice");
}

TEST_CASE("image extract bounds the work: a file linked a thousand times, and a device node") {
    auto scratch = test::scratch_dir("hostile-bounds");
    auto tree = base_tree(scratch);
    // 1,000 names for one 1 MiB file would write 1 GB from an 8 MiB image.
    std::ofstream(tree / "big.ko") << std::string(1 << 20, 'y');
    auto img = make_image(tree, scratch / "img.ext4");
    edit_image(img, [&](ext2_filsys fs) {
        auto big = lookup(fs, "big.ko");
        for (int i = 0; i < 1000; ++i)
            plant(fs, EXT2_ROOT_INO, "copy" + std::to_string(i) + ".ko", big, EXT2_FT_REG_FILE);
    });
    check_refused(scratch, img, "its own");
    fs::remove(img);

    fs::remove_all(tree);
    tree = base_tree(scratch);
    REQUIRE(::mkfifo((tree / "fifo").c_str(), 0644) == 0);
    img = make_image(tree, scratch / "img.ext4");
    check_refused(scratch, img, "fifo");
}

TEST_CASE("image extract keeps a sparse file sparse, drops setuid bits unless asked, and leaves no "
          "partial output") {
    auto scratch = test::scratch_dir("hostile-sparse");
    auto tree = base_tree(scratch);
    fs::remove(tree / "lnk");
    {
        std::ofstream sparse(tree / "sparse.bin");
        sparse << "head";
    }
    fs::resize_file(tree / "sparse.bin", uint64_t{1} << 30); // 1 GiB, almost all hole
    std::ofstream(tree / "tool") << "#!/bin/sh\n";
    fs::permissions(tree / "tool", fs::perms(04755));
    fs::permissions(tree / "kernel", fs::perms(01755));
    auto img = make_image(tree, scratch / "img.ext4");

    auto out = scratch / "work/out";
    auto o = extract(img, out);
    INFO(o.output);
    REQUIRE(o.exit_code == 0);
    CHECK(o.seconds < 10);
    CHECK(o.peak_kb < 512 * 1024);
    struct stat st {};
    REQUIRE(::stat((out / "sparse.bin").c_str(), &st) == 0);
    CHECK(st.st_size == (off_t{1} << 30));
    CHECK(st.st_blocks * 512 < (1 << 20)); // still a hole on disk
    std::ifstream head(out / "sparse.bin");
    std::string first(4, '\0');
    head.read(first.data(), 4);
    CHECK(first == "head");
    CHECK((fs::status(out / "tool").permissions() & fs::perms::set_uid) == fs::perms::none);
    CHECK((fs::status(out / "tool").permissions() & fs::perms::owner_exec) != fs::perms::none);
    CHECK((fs::status(out / "kernel").permissions() & fs::perms::sticky_bit) == fs::perms::none);
    CHECK(std::ifstream(out / "kernel/drivers/x.ko").good());

    auto kept = extract(img, scratch / "work/kept", {"--keep-modes"});
    INFO(kept.output);
    REQUIRE(kept.exit_code == 0);
    CHECK((fs::status(scratch / "work/kept/tool").permissions() & fs::perms::set_uid) !=
          fs::perms::none);

    // Into a folder that is not empty: refused, and the folder is untouched.
    auto again = extract(img, out);
    CHECK(again.exit_code == 2);
    CHECK(again.output.find("not an empty folder") != std::string::npos);
    CHECK(fs::exists(out / "tool"));
}
