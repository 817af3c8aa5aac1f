#include "image/ext4_writer.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <unistd.h>

#include <fmt/format.h>

#include "image/ext2fs_io.h"
#include "image/write_cache.h"
#include "util/background_sha256.h"

namespace wslmod::image {
namespace {

constexpr uint64_t block = 4096;
constexpr uint64_t blocks_per_group = 8 * block; // one block bitmap per group

util::Error ext2_fail(errcode_t err, const std::string& doing) {
    if (err == EXT2_ET_BLOCK_ALLOC_FAIL || err == EXT2_ET_INODE_ALLOC_FAIL ||
        err == EXT2_ET_RES_GDT_BLOCKS || err == ENOSPC)
        return util::Error{"filesystem full", doing, "the size estimate was too small"};
    return util::Error{fmt::format("{}: {}", doing, ext2_error(err))};
}

#define E2(call, doing)                                                                            \
    do {                                                                                           \
        if (errcode_t e2_err_ = (call)) return tl::unexpected(ext2_fail(e2_err_, doing));          \
    } while (0)

struct FsCloser {
    ext2_filsys fs = nullptr;
    ~FsCloser() {
        if (fs) ext2fs_free(fs); // error path: drop without flushing anything more
    }
};

uint64_t ceil_div(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

std::string base_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string parent_path(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string{} : path.substr(0, slash);
}

util::Result<void> link_entry(ext2_filsys fs, ext2_ino_t parent, const std::string& name,
                              ext2_ino_t ino, int type) {
    errcode_t err = ext2fs_link(fs, parent, name.c_str(), ino, type);
    if (err == EXT2_ET_DIR_NO_SPACE) {
        E2(ext2fs_expand_dir(fs, parent), "growing a directory for " + name);
        err = ext2fs_link(fs, parent, name.c_str(), ino, type);
    }
    E2(err, "linking " + name);
    return {};
}

util::Result<void> set_mode(ext2_filsys fs, ext2_ino_t ino, uint32_t type_bits, uint32_t mode) {
    struct ext2_inode inode {};
    E2(ext2fs_read_inode(fs, ino, &inode), "reading an inode");
    inode.i_mode = static_cast<__u16>(type_bits | (mode & 07777));
    E2(ext2fs_write_inode(fs, ino, &inode), "writing an inode");
    return {};
}

util::Result<ext2_ino_t> make_directory(ext2_filsys fs, ext2_ino_t parent, const std::string& name,
                                        uint32_t mode) {
    ext2_ino_t ino = 0;
    E2(ext2fs_new_inode(fs, parent, LINUX_S_IFDIR | 0755, nullptr, &ino), "allocating an inode");
    // Linked separately, so that a full parent directory can be grown and the link retried.
    E2(ext2fs_mkdir(fs, parent, ino, nullptr), "creating directory " + name);
    WSLMOD_CHECK(link_entry(fs, parent, name, ino, EXT2_FT_DIR));
    WSLMOD_CHECK(set_mode(fs, ino, LINUX_S_IFDIR, mode));
    return ino;
}

// Copies the host file into fallocate'd extents with large direct writes (no per-block
// allocation through ext2fs_file_write), hashing the bytes on the way.
util::Result<void> write_contents(ext2_filsys fs, ext2_ino_t ino, const TreeEntry& e,
                                  util::BackgroundSha256& digest) {
    uint64_t nblocks = ceil_div(e.size, block);
    E2(ext2fs_fallocate(fs, EXT2_FALLOCATE_FORCE_INIT, ino, nullptr, ~0ULL, 0, nblocks),
       "allocating blocks for " + e.path);
    struct Run {
        uint64_t lblk, pblk, len;
    };
    std::vector<Run> runs;
    ext2_extent_handle_t handle = nullptr;
    E2(ext2fs_extent_open(fs, ino, &handle), "reading extents of " + e.path);
    struct ext2fs_extent ext {};
    errcode_t err = ext2fs_extent_get(handle, EXT2_EXTENT_ROOT, &ext);
    while (!err) {
        if (ext.e_flags & EXT2_EXTENT_FLAGS_LEAF)
            runs.push_back({ext.e_lblk, ext.e_pblk, ext.e_len});
        err = ext2fs_extent_get(handle, EXT2_EXTENT_NEXT, &ext);
    }
    ext2fs_extent_free(handle);
    if (err != EXT2_ET_EXTENT_NO_NEXT) E2(err, "reading extents of " + e.path);
    std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.lblk < b.lblk; });

    int fd = ::open(e.source.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return util::fail(fmt::format("cannot open: {}", strerror(errno)), e.source.string());
    uint64_t copied = 0;
    util::Result<void> result;
    for (const auto& run : runs) {
        for (uint64_t done = 0; done < run.len && result;) {
            auto buf = digest.take_buffer();
            uint64_t chunk = std::min<uint64_t>(run.len - done, buf.size() / block);
            uint64_t at = (run.lblk + done) * block;
            uint64_t want = at >= e.size ? 0 : std::min<uint64_t>(chunk * block, e.size - at);
            uint64_t got = 0;
            while (got < want) {
                ssize_t n = ::pread(fd, buf.data() + got, want - got, static_cast<off_t>(at + got));
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                got += static_cast<uint64_t>(n);
            }
            if (got != want) {
                result =
                    util::fail("file shrank or could not be read while packing", e.source.string());
                break;
            }
            std::memset(buf.data() + got, 0, chunk * block - got);
            copied += got;
            if (errcode_t werr = io_channel_write_blk64(fs->io, run.pblk + done,
                                                        static_cast<int>(chunk), buf.data()))
                result = tl::unexpected(ext2_fail(werr, "writing " + e.path));
            digest.submit(std::move(buf), got); // hashed on the worker while the next chunk is read
            done += chunk;
        }
    }
    ::close(fd);
    WSLMOD_CHECK(result);
    if (copied != e.size) return util::fail("file changed size while packing", e.source.string());
    return {};
}

util::Result<ext2_ino_t> make_file(ext2_filsys fs, ext2_ino_t parent, const TreeEntry& e,
                                   util::BackgroundSha256& digest) {
    ext2_ino_t ino = 0;
    auto name = base_name(e.path);
    E2(ext2fs_new_inode(fs, parent, LINUX_S_IFREG | 0644, nullptr, &ino), "allocating an inode");
    WSLMOD_CHECK(link_entry(fs, parent, name, ino, EXT2_FT_REG_FILE));
    ext2fs_inode_alloc_stats2(fs, ino, +1, 0);
    struct ext2_inode inode {};
    inode.i_mode = static_cast<__u16>(LINUX_S_IFREG | (e.mode & 07777));
    inode.i_links_count = 1;
    // An empty extent tree, as mke2fs -d (misc/create_inode.c) sets one up.
    ext2_extent_handle_t handle = nullptr;
    E2(ext2fs_extent_open2(fs, ino, &inode, &handle), "creating " + e.path);
    ext2fs_extent_free(handle);
    E2(ext2fs_write_new_inode(fs, ino, &inode), "creating " + e.path);
    if (e.size > 0) WSLMOD_CHECK(write_contents(fs, ino, e, digest));
    E2(ext2fs_read_inode(fs, ino, &inode), "reading " + e.path);
    E2(ext2fs_inode_size_set(fs, &inode, e.size), "sizing " + e.path);
    E2(ext2fs_write_inode(fs, ino, &inode), "writing " + e.path);
    return ino;
}

util::Result<void> make_symlink(ext2_filsys fs, ext2_ino_t parent, const TreeEntry& e) {
    auto name = base_name(e.path);
    errcode_t err = ext2fs_symlink(fs, parent, 0, name.c_str(), e.target.c_str());
    if (err == EXT2_ET_DIR_NO_SPACE) {
        E2(ext2fs_expand_dir(fs, parent), "growing a directory for " + e.path);
        err = ext2fs_symlink(fs, parent, 0, name.c_str(), e.target.c_str());
    }
    E2(err, "creating symlink " + e.path);
    return {};
}

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

// Every entry of `tree` below the folder `top`, in the tree's order.
util::Result<void> write_entries(ext2_filsys fs, const Tree& tree, ext2_ino_t top,
                                 util::BackgroundSha256& digest, Ext4Result& result) {
    std::map<std::string, ext2_ino_t> dirs{{"", top}};
    for (const auto& e : tree.entries) {
        if (e.path.empty()) continue;
        ext2_ino_t parent = dirs.at(parent_path(e.path));
        switch (e.type) {
        case TreeEntry::Type::directory:
            dirs[e.path] = WSLMOD_TRY(make_directory(fs, parent, base_name(e.path), e.mode));
            ++result.directories;
            break;
        case TreeEntry::Type::file:
            WSLMOD_TRY(make_file(fs, parent, e, digest));
            ++result.files;
            break;
        case TreeEntry::Type::symlink:
            WSLMOD_CHECK(make_symlink(fs, parent, e));
            ++result.symlinks;
            break;
        }
    }
    return {};
}

// The steps of mke2fs that a fresh filesystem needs before any file: tables, root,
// lost+found, reserved inodes and the bad-block inode.
util::Result<void> format(ext2_filsys fs, const Tree& tree, const Ext4Options& o) {
    E2(ext2fs_allocate_tables(fs), "allocating group tables");
    // The device reads as zeros wherever nothing was written, so inode tables are zeroed.
    for (dgrp_t g = 0; g < fs->group_desc_count; ++g) {
        ext2fs_bg_flags_set(fs, g, EXT2_BG_INODE_ZEROED);
        ext2fs_group_desc_csum_set(fs, g);
    }
    E2(ext2fs_mkdir(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, nullptr), "creating the root directory");
    uint32_t root_mode = o.layout == Layout::flat ? tree.entries.front().mode : 0755;
    WSLMOD_CHECK(set_mode(fs, EXT2_ROOT_INO, LINUX_S_IFDIR, root_mode));
    auto lpf = WSLMOD_TRY(make_directory(fs, EXT2_ROOT_INO, "lost+found", 0700));
    for (uint64_t size = block; size < 16 * 1024; size += block)
        E2(ext2fs_expand_dir(fs, lpf), "growing lost+found");
    for (ext2_ino_t i = EXT2_ROOT_INO + 1; i < EXT2_FIRST_INODE(fs->super); ++i)
        ext2fs_inode_alloc_stats2(fs, i, +1, 0);
    ext2fs_mark_ib_dirty(fs);
    ext2fs_mark_inode_bitmap2(fs->inode_map, EXT2_BAD_INO);
    ext2fs_inode_alloc_stats2(fs, EXT2_BAD_INO, +1, 0);
    E2(ext2fs_update_bb_inode(fs, nullptr), "writing the bad-block inode");
    return {};
}

void set_guid_bits(unsigned char* uuid) {
    uuid[6] = static_cast<unsigned char>((uuid[6] & 0x0F) | 0x40);
    uuid[8] = static_cast<unsigned char>((uuid[8] & 0x3F) | 0x80);
}

} // namespace

Ext4Plan plan_ext4(const Tree& tree, const Ext4Options& o, double grow) {
    uint64_t data = 0, inodes = 16; // reserved inodes and lost+found
    std::map<std::string, uint64_t> dir_bytes;
    auto count = [&](const Tree& t, const std::string& at) {
        for (const auto& e : t.entries) {
            ++inodes;
            auto path = at.empty() ? e.path : e.path.empty() ? at : at + "/" + e.path;
            if (!path.empty())
                dir_bytes[parent_path(path)] += 8 + ceil_div(base_name(path).size(), 4) * 4;
            if (e.type == TreeEntry::Type::file)
                data += ceil_div(e.size, block) + (e.size > 4 * 32768 * block ? 1 : 0);
            if (e.type == TreeEntry::Type::symlink && e.size >= 60) data += 1;
            if (e.type == TreeEntry::Type::directory) dir_bytes[path] += 0;
        }
    };
    count(tree, "");
    for (const auto& g : o.grafts) {
        count(*g.tree, g.at);
        inodes += 2; // the folders above it
        data += 2;
    }
    for (const auto& [dir, bytes] : dir_bytes)
        data += ceil_div(bytes + 36, block - 12);
    data += 4 + (o.layout == Layout::artifacts ? 2 : 0); // lost+found, artifact folders
    inodes = ceil_div(static_cast<uint64_t>(inodes * 1.05 * grow) + 64, 64) * 64;
    uint64_t inode_table = ceil_div(inodes * 256, block);
    uint64_t estimate = data + inode_table;
    uint64_t groups = ceil_div(estimate, blocks_per_group) + 1;
    uint64_t total =
        static_cast<uint64_t>(std::ceil((estimate + groups * 4 + 64) * 1.03 * grow)) + 256;
    Ext4Plan plan;
    plan.blocks = ceil_div(total, 256) * 256;
    plan.inodes = static_cast<uint32_t>(inodes);
    return plan;
}

util::Result<int64_t> source_date_epoch() {
    const char* env = std::getenv("SOURCE_DATE_EPOCH");
    if (!env || !*env) return Ext4Options{}.epoch;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(env, env + std::strlen(env), v);
    if (ec != std::errc{} || *p != '\0' || v < 1 || v > 0xFFFFFFFFLL)
        return util::bad_input("not a Unix time from 1 to 4294967295",
                               std::string("SOURCE_DATE_EPOCH=") + env,
                               "set it to seconds since 1970, or unset it");
    return v;
}

util::Result<Ext4Result> write_ext4(const Tree& tree, const Ext4Plan& plan, BlockDevice& device,
                                    const Ext4Options& o) {
    if (device.size() < plan.bytes())
        return util::fail(fmt::format("device of {} bytes is smaller than the {} bytes planned",
                                      device.size(), plan.bytes()));
    struct ext2_super_block param {};
    ext2fs_blocks_count_set(&param, plan.blocks);
    param.s_log_block_size = 2; // 1024 << 2 = 4096
    param.s_inodes_count = plan.inodes;
    param.s_rev_level = EXT2_DYNAMIC_REV;
    param.s_inode_size = 256;
    param.s_log_groups_per_flex = 4;
    param.s_min_extra_isize = param.s_want_extra_isize = 32;
    param.s_feature_compat = EXT2_FEATURE_COMPAT_DIR_INDEX;
    param.s_feature_incompat = EXT2_FEATURE_INCOMPAT_FILETYPE | EXT3_FEATURE_INCOMPAT_EXTENTS |
                               EXT4_FEATURE_INCOMPAT_FLEX_BG | EXT4_FEATURE_INCOMPAT_CSUM_SEED;
    param.s_feature_ro_compat =
        EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE |
        EXT4_FEATURE_RO_COMPAT_HUGE_FILE | EXT4_FEATURE_RO_COMPAT_DIR_NLINK |
        EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE | EXT4_FEATURE_RO_COMPAT_METADATA_CSUM;

    // libext2fs's block-sized metadata I/O and short file writes, coalesced (write_cache.h);
    // ext2fs_close_free flushes it.  Declared first, so that it outlives the filesystem.
    WriteCache cache(device);
    FsCloser closer;
    auto name = device_name(cache);
    E2(ext2fs_initialize(name.c_str(), EXT2_FLAG_64BITS, &param, block_device_io_manager(),
                         &closer.fs),
       "creating the filesystem");
    ext2_filsys fs = closer.fs;
    fs->now = static_cast<time_t>(o.epoch);
    fs->umask = 022;
    auto* sb = fs->super;
    sb->s_mkfs_time = sb->s_lastcheck = sb->s_wtime = static_cast<__u32>(o.epoch);
    sb->s_max_mnt_count = static_cast<__u16>(-1);
    ext2fs_r_blocks_count_set(sb, 0);
    std::memcpy(sb->s_hash_seed, tree.listing_digest.data() + 16, 16);
    sb->s_def_hash_version = EXT2_HASH_HALF_MD4;
    sb->s_flags |= EXT2_FLAGS_SIGNED_HASH; // x86: char is signed, as mke2fs records it
    sb->s_checksum_type = EXT2_CRC32C_CHKSUM;
    std::memcpy(&sb->s_checksum_seed, tree.listing_digest.data(), 4);
    std::memcpy(sb->s_uuid, tree.listing_digest.data(), 16); // replaced by the content UUID below
    std::strncpy(reinterpret_cast<char*>(sb->s_volume_name), o.label.c_str(),
                 sizeof sb->s_volume_name);
    ext2fs_init_csum_seed(fs);
    WSLMOD_CHECK(format(fs, tree, o));

    // The folders the layout makes, by their path from the filesystem root.
    std::map<std::string, ext2_ino_t> made{{"", EXT2_ROOT_INO}};
    ext2_ino_t top = EXT2_ROOT_INO;
    if (o.layout == Layout::artifacts) {
        auto rel = WSLMOD_TRY(make_directory(fs, EXT2_ROOT_INO, o.release, 0755));
        top = WSLMOD_TRY(make_directory(fs, rel, "modules", tree.entries.front().mode));
        made[o.release] = rel;
        made[o.release + "/modules"] = top;
    }
    Ext4Result result;
    util::BackgroundSha256 digest;
    auto feed = [&](std::string_view bytes) {
        auto buffer = digest.take_buffer();
        std::memcpy(buffer.data(), bytes.data(), bytes.size());
        digest.submit(std::move(buffer), bytes.size());
    };
    feed({reinterpret_cast<const char*>(tree.listing_digest.data()), tree.listing_digest.size()});
    WSLMOD_CHECK(write_entries(fs, tree, top, digest, result));
    for (const auto& g : o.grafts) {
        if (g.at.empty() || made.count(g.at))
            return util::fail(fmt::format("cannot graft a tree onto '{}'", g.at));
        ext2_ino_t parent = EXT2_ROOT_INO;
        std::string path;
        auto parts = split_path(g.at);
        for (size_t i = 0; i < parts.size(); ++i) {
            path = path.empty() ? parts[i] : path + "/" + parts[i];
            if (auto it = made.find(path); it != made.end()) {
                parent = it->second;
                continue;
            }
            bool last = i + 1 == parts.size();
            parent = WSLMOD_TRY(
                make_directory(fs, parent, parts[i], last ? g.tree->entries.front().mode : 0755));
            made[path] = parent;
        }
        feed(g.at);
        feed({reinterpret_cast<const char*>(g.tree->listing_digest.data()),
              g.tree->listing_digest.size()});
        WSLMOD_CHECK(write_entries(fs, *g.tree, parent, digest, result));
    }
    result.content_digest = digest.finish();
    std::memcpy(sb->s_uuid, result.content_digest.data(), 16);
    set_guid_bits(sb->s_uuid);
    ext2fs_mark_super_dirty(fs);
    errcode_t err = ext2fs_close_free(&closer.fs);
    E2(err, "writing the filesystem metadata");
    return result;
}

} // namespace wslmod::image
