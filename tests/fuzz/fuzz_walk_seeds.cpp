// Writes the seed corpora for fuzz_ext4_walk (argv[1]) and fuzz_bundle_import (argv[2]):
//   ext4     small trees (folders, files of several sizes, a symlink, an empty file) written by
//            the project's own ext4 writer, cut after their last non-zero byte;
//   bundles  a one-recipe project (the shipped hello recipe, its lock, a module) and a
//            zero-recipe one, each written by write_bundle and then decompressed to the plain
//            tar the fuzz target reads.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <archive.h>
#include <archive_entry.h>

#include "image/block_device.h"
#include "image/ext2fs_io.h"
#include "image/ext4_reader.h"
#include "image/ext4_writer.h"
#include "image/tree.h"
#include "recipe/bundle.h"
#include "recipe/bundle_import.h"
#include "recipe/lockfile.h"
#include "recipe/recipe.h"
#include "support/elf_builder.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

int fail(const std::string& what) {
    std::fprintf(stderr, "fuzz_walk_seeds: %s\n", what.c_str());
    return 1;
}

void spit(const fs::path& p, const std::string& s) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << s;
}

// With `csum` false, metadata_csum is switched off afterwards: every mutation of a checksummed
// image fails its checksum and is refused at open, so these seeds are what lets the fuzzer reach
// the walk itself.
util::Result<void> ext4_seed(const fs::path& tree_dir, bool csum, const fs::path& out) {
    auto tree = WSLMOD_TRY(image::scan_tree(tree_dir));
    image::Ext4Options options;
    auto plan = image::plan_ext4(tree, options);
    image::MemoryDevice device(std::vector<std::byte>(plan.bytes()));
    WSLMOD_TRY(image::write_ext4(tree, plan, device, options));
    if (!csum) {
        ext2_filsys fs = nullptr;
        auto name = image::device_name(device);
        if (ext2fs_open2(name.c_str(), nullptr, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0,
                         image::block_device_io_manager(), &fs))
            return util::fail("cannot reopen the seed image", out.string());
        ext2fs_clear_feature_metadata_csum(fs->super);
        ext2fs_clear_feature_csum_seed(fs->super);
        fs->super->s_checksum_type = 0;
        ext2fs_mark_super_dirty(fs);
        if (ext2fs_close_free(&fs)) return util::fail("cannot write the seed image", out.string());
    }
    const auto& b = device.bytes();
    size_t end = b.size();
    while (end > 0 && b[end - 1] == std::byte{0})
        --end;
    std::ofstream(out, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(end));
    // The fuzz target pads its input to 1 MiB with zeros: the seed must still read as a whole.
    if (end > (1u << 20)) return util::fail("the seed image is larger than 1 MiB", out.string());
    std::vector<std::byte> head(b.begin(), b.begin() + static_cast<long>(end));
    head.resize(1u << 20);
    image::MemoryDevice padded(std::move(head));
    auto reader = WSLMOD_TRY(image::Ext4Reader::open(padded, out.string()));
    WSLMOD_TRY(reader->check());
    return {};
}

// The zstd bundle at `zst` as a plain tar at `tar`.
util::Result<void> decompress(const fs::path& zst, const fs::path& tar) {
    std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
    archive_read_support_filter_zstd(a.get());
    archive_read_support_format_raw(a.get());
    archive_entry* e = nullptr;
    if (archive_read_open_filename(a.get(), zst.c_str(), 1 << 16) != ARCHIVE_OK ||
        archive_read_next_header(a.get(), &e) != ARCHIVE_OK)
        return util::fail("cannot read back", zst.string());
    std::ofstream out(tar, std::ios::binary);
    char buf[1 << 16];
    for (la_ssize_t n; (n = archive_read_data(a.get(), buf, sizeof buf)) > 0;)
        out.write(buf, n);
    return {};
}

util::Result<void> bundle_seed(const fs::path& work, bool with_recipe, const fs::path& out) {
    std::vector<recipe::BundleFile> files;
    recipe::Lock lock;
    lock.release = "6.12.117+deb12-amd64";
    std::string manifest = "[kernel]\nprofile = \"debian\"\n[output]\npath = \"modules.vhdx\"\n";
    if (with_recipe) {
        auto src = fs::path(WSLMOD_SOURCE_DIR) / "module-recipes/hello";
        fs::create_directories(work / "recipes/hello");
        fs::copy(src, work / "recipes/hello", fs::copy_options::recursive);
        auto r = WSLMOD_TRY(recipe::load_recipe(work / "recipes/hello"));
        auto locked = WSLMOD_TRY(recipe::lock_recipe(r));
        locked.modules = {"extra/hello"};
        lock.recipes["hello"] = locked;
        manifest += "[recipes]\nhello = \"*\"\n";
        // A module with the .modinfo open_bundle reads: the lock's release as its vermagic.
        const char nul = '\0';
        auto modinfo = test::bytes_of(std::string("license=GPL") + nul + "name=hello" + nul +
                                      "vermagic=" + lock.release + " SMP mod_unload " + nul);
        auto elf = test::build_elf(1, {{".modinfo", 1, 0, modinfo}});
        spit(work / "hello.ko", std::string(reinterpret_cast<const char*>(elf.data()), elf.size()));
        files.push_back({"modules/hello/extra/hello.ko", work / "hello.ko"});
        for (const auto& e : fs::recursive_directory_iterator(work / "recipes"))
            if (e.is_regular_file())
                files.push_back({fs::relative(e.path(), work).generic_string(), e.path()});
    }
    spit(work / "wslmod.toml", manifest);
    spit(work / "wslmod.lock", recipe::lock_text(lock));
    files.push_back({"wslmod.toml", work / "wslmod.toml"});
    files.push_back({"wslmod.lock", work / "wslmod.lock"});
    WSLMOD_CHECK(recipe::write_bundle(work / "b.wslmod.tar.zst", files));
    WSLMOD_CHECK(decompress(work / "b.wslmod.tar.zst", out));
    // The seed must pass every check the fuzz target runs, so that mutations start deep.
    fs::create_directories(work / "import");
    WSLMOD_TRY(recipe::open_bundle(out, work / "import/.work", work / "import"));
    return {};
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) return fail("usage: fuzz_walk_seeds EXT4_SEED_DIR BUNDLE_SEED_DIR");
    fs::path ext4_dir = argv[1], bundle_dir = argv[2];
    auto tmp = fs::temp_directory_path() / ("wslmod-fuzz-seeds-" + std::to_string(::getpid()));
    fs::remove_all(tmp);
    fs::create_directories(ext4_dir);
    fs::create_directories(bundle_dir);

    auto t1 = tmp / "tree1";
    spit(t1 / "modules.dep", "kernel/a/x.ko:\n");
    spit(t1 / "kernel/a/x.ko", std::string(3000, 'x'));
    spit(t1 / "kernel/a/b/y", "ten bytes\n");
    spit(t1 / "kernel/a/b/empty", "");
    spit(t1 / "big", std::string(70000, 'b'));
    fs::create_symlink("kernel/a/x.ko", t1 / "link");
    auto t2 = tmp / "tree2";
    spit(t2 / "only", "one file\n");
    for (auto [tree, name] : {std::pair{t1, "tree1"}, {t2, "tree2"}})
        for (bool csum : {true, false})
            if (auto r = ext4_seed(
                    tree, csum, ext4_dir / (std::string(name) + (csum ? ".img" : "-nocsum.img")));
                !r)
                return fail(r.error().message());

    fs::create_directories(tmp / "b1");
    fs::create_directories(tmp / "b2");
    if (auto r = bundle_seed(tmp / "b1", true, bundle_dir / "hello.tar"); !r)
        return fail(r.error().message());
    if (auto r = bundle_seed(tmp / "b2", false, bundle_dir / "empty.tar"); !r)
        return fail(r.error().message());
    fs::remove_all(tmp);
    return 0;
}
