#include "image/ext4_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include <ext2fs/ext2fs.h>
#include <fmt/format.h>

#include "image/ext2fs_io.h"
#include "util/atomic_dir.h"
#include "util/beneath.h"

namespace wslmod::image {
namespace {

Ext4Entry entry_from_inode(const std::string& name, const struct ext2_inode& inode) {
    Ext4Entry e;
    e.name = name;
    e.mode = inode.i_mode & 07777;
    e.type = LINUX_S_ISDIR(inode.i_mode)   ? TreeEntry::Type::directory
             : LINUX_S_ISLNK(inode.i_mode) ? TreeEntry::Type::symlink
                                           : TreeEntry::Type::file;
    e.size = EXT2_I_SIZE(&inode);
    e.uid = inode_uid(inode);
    e.gid = inode_gid(inode);
    e.mtime = inode.i_mtime;
    return e;
}

struct DirList {
    std::vector<std::pair<std::string, ext2_ino_t>> names;
    bool dot = false, dotdot = false;
};

// Every entry but the folder's own "." and "..".  A second "." or ".." is kept as a name, so
// that whoever walks the list refuses it (util::check_component) instead of skipping it.
int collect(ext2_ino_t, int, struct ext2_dir_entry* dirent, int, int, char*, void* priv) {
    auto* list = static_cast<DirList*>(priv);
    std::string name(dirent->name, ext2fs_dirent_name_len(dirent));
    if (name == "." && !list->dot)
        list->dot = true;
    else if (name == ".." && !list->dotdot)
        list->dotdot = true;
    else
        list->names.emplace_back(name, dirent->inode);
    return 0;
}

} // namespace

util::Result<std::unique_ptr<Ext4Reader>> Ext4Reader::open(BlockDevice& device,
                                                           std::string origin) {
    ext2_filsys fs = nullptr;
    auto name = device_name(device);
    errcode_t err =
        ext2fs_open2(name.c_str(), nullptr, EXT2_FLAG_64BITS, 0, 0, block_device_io_manager(), &fs);
    if (err)
        return util::bad_input(fmt::format("not a readable ext4 filesystem: {}", ext2_error(err)),
                               origin);
    return std::unique_ptr<Ext4Reader>(new Ext4Reader(fs, std::move(origin)));
}

Ext4Reader::~Ext4Reader() {
    ext2fs_close_free(&fs_);
}

std::string Ext4Reader::uuid() const {
    auto* u = fs_->super->s_uuid;
    return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:"
                       "02x}{:02x}{:02x}{:02x}{:02x}",
                       u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
                       u[12], u[13], u[14], u[15]);
}

std::string Ext4Reader::label() const {
    return std::string(reinterpret_cast<const char*>(fs_->super->s_volume_name),
                       strnlen(reinterpret_cast<const char*>(fs_->super->s_volume_name), 16));
}

util::Result<unsigned> Ext4Reader::lookup(const std::string& path) const {
    std::string p = path;
    while (!p.empty() && p.front() == '/')
        p.erase(0, 1);
    while (!p.empty() && p.back() == '/')
        p.pop_back();
    if (p.empty()) return unsigned{EXT2_ROOT_INO};
    ext2_ino_t ino = 0;
    errcode_t err = ext2fs_namei(fs_, EXT2_ROOT_INO, EXT2_ROOT_INO, p.c_str(), &ino);
    if (err)
        return util::bad_input(fmt::format("no such path in the image: {}", ext2_error(err)),
                               origin_ + ":/" + p);
    return unsigned{ino};
}

util::Result<std::vector<Ext4Entry>> Ext4Reader::list(const std::string& path) const {
    auto ino = WSLMOD_TRY(lookup(path));
    DirList list;
    errcode_t err = ext2fs_dir_iterate2(fs_, ino, 0, nullptr, collect, &list);
    if (err)
        return util::fail(fmt::format("cannot list: {}", ext2_error(err)), origin_ + ":/" + path);
    std::sort(list.names.begin(), list.names.end());
    std::vector<Ext4Entry> out;
    for (const auto& [name, child] : list.names) {
        struct ext2_inode inode {};
        if (errcode_t e = ext2fs_read_inode(fs_, child, &inode))
            return util::fail(fmt::format("cannot read inode {}: {}", child, ext2_error(e)),
                              origin_);
        auto entry = entry_from_inode(name, inode);
        if (entry.type == TreeEntry::Type::symlink) {
            auto target = read_inode(child, (path.empty() ? "" : path + "/") + name);
            if (!target) return tl::unexpected(target.error());
            entry.target = *target;
        }
        out.push_back(entry);
    }
    return out;
}

util::Result<Ext4Entry> Ext4Reader::stat(const std::string& path) const {
    auto ino = WSLMOD_TRY(lookup(path));
    struct ext2_inode inode {};
    if (errcode_t e = ext2fs_read_inode(fs_, ino, &inode))
        return util::fail(fmt::format("cannot read inode: {}", ext2_error(e)),
                          origin_ + ":/" + path);
    return entry_from_inode(path.substr(path.rfind('/') + 1), inode);
}

util::Result<std::string> Ext4Reader::read_file(const std::string& path) const {
    return read_inode(WSLMOD_TRY(lookup(path)), path);
}

util::Result<std::string> Ext4Reader::read_inode(unsigned ino, const std::string& path) const {
    struct ext2_inode inode {};
    if (errcode_t e = ext2fs_read_inode(fs_, ino, &inode))
        return util::fail(fmt::format("cannot read inode: {}", ext2_error(e)),
                          origin_ + ":/" + path);
    uint64_t size = EXT2_I_SIZE(&inode);
    if (LINUX_S_ISLNK(inode.i_mode) && ext2fs_is_fast_symlink(&inode))
        return std::string(reinterpret_cast<const char*>(inode.i_block), size);
    if (size > (uint64_t{1} << 32))
        return util::fail("file too large to read at once", origin_ + ":/" + path);
    ext2_file_t file = nullptr;
    if (errcode_t e = ext2fs_file_open2(fs_, ino, &inode, 0, &file))
        return util::fail(fmt::format("cannot open: {}", ext2_error(e)), origin_ + ":/" + path);
    std::string out(size, '\0');
    unsigned int got = 0;
    errcode_t e = ext2fs_file_read(file, out.data(), static_cast<unsigned>(size), &got);
    ext2fs_file_close(file);
    if (e || got != size)
        return util::fail(fmt::format("cannot read: {}", e ? ext2_error(e) : "short read"),
                          origin_ + ":/" + path);
    return out;
}

// The state of one extract(): the limits, what has been written so far, and the folders seen.
struct Ext4Reader::Extraction {
    ExtractLimits limits;
    Ext4Check stats;
    uint64_t bytes = 0, entries = 0;
    std::set<unsigned> dirs_seen;
};

namespace {

constexpr int max_depth = 256;     // below any real modules tree (kernel/drivers/... is < 10 deep)
constexpr size_t chunk = 1u << 20; // file data is copied in pieces of this size

std::string image_path(const std::string& origin, const std::string& path) {
    return origin + ":/" + path;
}

} // namespace

util::Result<void> Ext4Reader::extract_file(Extraction& x, unsigned ino,
                                            const std::string& img_path, int fd) const {
    auto where = image_path(origin_, img_path);
    struct ext2_inode inode {};
    if (errcode_t e = ext2fs_read_inode(fs_, ino, &inode))
        return util::fail(fmt::format("cannot read inode {}: {}", ino, ext2_error(e)), where);
    uint64_t size = EXT2_I_SIZE(&inode);
    // The logical blocks that hold data, as runs; holes are never read, so a sparse file costs
    // what it stores, and the file written stays sparse.
    std::vector<std::pair<uint64_t, uint64_t>> runs; // (first logical block, count)
    bool inline_data = inode.i_flags & EXT4_INLINE_DATA_FL;
    if (!inline_data && ext2fs_inode_has_valid_blocks2(fs_, &inode)) {
        auto cb = [](ext2_filsys, blk64_t*, e2_blkcnt_t lblk, blk64_t, int, void* priv) -> int {
            if (lblk < 0) return 0; // index and indirect blocks
            auto* r = static_cast<std::vector<std::pair<uint64_t, uint64_t>>*>(priv);
            auto l = static_cast<uint64_t>(lblk);
            if (!r->empty() && r->back().first + r->back().second == l)
                ++r->back().second;
            else
                r->emplace_back(l, 1);
            return 0;
        };
        if (errcode_t e = ext2fs_block_iterate3(
                fs_, ino, BLOCK_FLAG_READ_ONLY | BLOCK_FLAG_DATA_ONLY, nullptr, cb, &runs))
            return util::fail(fmt::format("cannot map inode {}: {}", ino, ext2_error(e)), where);
    } else if (inline_data) {
        runs.emplace_back(0, 1);
    }
    ext2_file_t file = nullptr;
    if (errcode_t e = ext2fs_file_open2(fs_, ino, &inode, 0, &file))
        return util::fail(fmt::format("cannot open: {}", ext2_error(e)), where);
    struct Close {
        ext2_file_t f;
        ~Close() { ext2fs_file_close(f); }
    } close_file{file};
    uint64_t block = fs_->blocksize;
    std::string buf;
    for (auto [first, count] : runs) {
        uint64_t offset = first * block;
        if (offset >= size) break;
        uint64_t end = std::min(size, (first + count) * block);
        if (errcode_t e = ext2fs_file_llseek(file, offset, EXT2_SEEK_SET, nullptr))
            return util::fail(fmt::format("cannot seek: {}", ext2_error(e)), where);
        while (offset < end) {
            auto want = static_cast<unsigned>(std::min<uint64_t>(chunk, end - offset));
            if (x.bytes + want > x.limits.max_bytes)
                return util::bad_input(
                    fmt::format("the image's files add up to more than {} bytes, its own used size",
                                x.limits.max_bytes),
                    where, "the image is damaged or crafted (hard links or overlapping blocks)");
            buf.resize(want);
            unsigned got = 0;
            if (errcode_t e = ext2fs_file_read(file, buf.data(), want, &got); e || got != want)
                return util::fail(fmt::format("cannot read: {}", e ? ext2_error(e) : "short read"),
                                  where);
            if (::pwrite(fd, buf.data(), got, static_cast<off_t>(offset)) !=
                static_cast<ssize_t>(got))
                return util::fail(fmt::format("write failed: {}", strerror(errno)), where,
                                  "check free disk space");
            x.bytes += got;
            offset += got;
        }
        x.stats.data_blocks += count;
    }
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0)
        return util::fail(fmt::format("cannot set the size to {}: {}", size, strerror(errno)),
                          where);
    return {};
}

// A folder's own mode is set once its children are in, so that a read-only folder was still
// writable while they were made; only the folders on the current path are open at a time.
util::Result<void> Ext4Reader::extract_dir(Extraction& x, unsigned ino, const util::Beneath& out,
                                           const std::string& img_path, int depth) const {
    auto where = image_path(origin_, img_path);
    if (depth > max_depth)
        return util::bad_input(fmt::format("folders nested more than {} deep", max_depth), where,
                               "the image is damaged or crafted");
    DirList list;
    if (errcode_t e = ext2fs_dir_iterate2(fs_, ino, 0, nullptr, collect, &list))
        return util::fail(fmt::format("cannot list: {}", ext2_error(e)), where);
    std::sort(list.names.begin(), list.names.end());
    for (const auto& [name, child_ino] : list.names) {
        WSLMOD_CHECK(util::check_component(name, where));
        auto child_path = img_path.empty() ? name : img_path + "/" + name;
        auto child_where = image_path(origin_, child_path);
        if (++x.entries > x.limits.max_entries)
            return util::bad_input(fmt::format("more than {} entries, the image's own inode count",
                                               x.limits.max_entries),
                                   child_where, "the image is damaged or crafted");
        struct ext2_inode inode {};
        if (errcode_t e = ext2fs_read_inode(fs_, child_ino, &inode))
            return util::fail(fmt::format("cannot read inode {}: {}", child_ino, ext2_error(e)),
                              child_where);
        mode_t mode = inode.i_mode & (x.limits.keep_special_modes ? 07777 : 0777);
        if (LINUX_S_ISDIR(inode.i_mode)) {
            if (!x.dirs_seen.insert(child_ino).second)
                return util::bad_input(
                    fmt::format("folder inode {} is reached twice: the tree has a loop", child_ino),
                    child_where, "the image is damaged or crafted");
            auto sub = WSLMOD_TRY(out.make_dir(name));
            WSLMOD_CHECK(extract_dir(x, child_ino, sub, child_path, depth + 1));
            WSLMOD_CHECK(sub.set_mode(mode));
            ++x.stats.directories;
        } else if (LINUX_S_ISLNK(inode.i_mode)) {
            if (EXT2_I_SIZE(&inode) >= 4096)
                return util::bad_input("a symlink target longer than 4095 bytes", child_where,
                                       "the image is damaged or crafted");
            auto target = WSLMOD_TRY(read_inode(child_ino, child_path));
            WSLMOD_CHECK(out.make_symlink(name, target));
            ++x.stats.symlinks;
        } else if (LINUX_S_ISREG(inode.i_mode)) {
            auto fd = WSLMOD_TRY(out.create_file(name));
            WSLMOD_CHECK(extract_file(x, child_ino, child_path, fd.get()));
            if (::fchmod(fd.get(), mode) != 0)
                return util::fail(fmt::format("cannot chmod: {}", strerror(errno)), child_where);
            ++x.stats.files;
        } else {
            return util::bad_input(
                "a device, fifo or socket: a modules image holds files, folders and symlinks only",
                child_where);
        }
    }
    return {};
}

util::Result<Ext4Check> Ext4Reader::extract(const std::string& path,
                                            const std::filesystem::path& dest,
                                            const ExtractLimits& limits) const {
    namespace fs = std::filesystem;
    std::error_code ec;
    bool existed = fs::exists(fs::symlink_status(dest, ec));
    if (existed && (!fs::is_directory(fs::symlink_status(dest, ec)) || !fs::is_empty(dest, ec)))
        return util::bad_input("destination exists and is not an empty folder", dest.string(),
                               "extract into a new folder");
    auto parent = dest.parent_path().empty() ? fs::path(".") : dest.parent_path();
    fs::create_directories(parent, ec);
    if (ec) return util::fail(fmt::format("cannot create: {}", ec.message()), parent.string());

    Extraction x;
    x.limits = limits;
    uint64_t used_bytes =
        (ext2fs_blocks_count(fs_->super) - ext2fs_free_blocks_count(fs_->super)) * fs_->blocksize;
    uint64_t used_inodes = fs_->super->s_inodes_count - fs_->super->s_free_inodes_count;
    if (!x.limits.max_bytes || used_bytes < x.limits.max_bytes) x.limits.max_bytes = used_bytes;
    if (!x.limits.max_entries) x.limits.max_entries = used_inodes;

    auto root = WSLMOD_TRY(lookup(path));
    struct ext2_inode root_inode {};
    if (errcode_t e = ext2fs_read_inode(fs_, root, &root_inode))
        return util::fail(fmt::format("cannot read inode {}: {}", root, ext2_error(e)),
                          image_path(origin_, path));
    if (!LINUX_S_ISDIR(root_inode.i_mode))
        return util::bad_input("not a folder", image_path(origin_, path));
    x.dirs_seen.insert(root);

    // A temporary sibling, renamed into place once whole; removed on any failure.
    auto pattern = (parent / ("." + dest.filename().string() + ".extract-XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
        return util::fail(fmt::format("cannot create: {}", strerror(errno)), pattern);
    fs::path temp = pattern;
    util::RemoveOnExit cleanup{temp}; // a finished subfolder may be read-only already: it copes
    auto top = WSLMOD_TRY(util::Beneath::open(temp));
    auto clean = path;
    while (!clean.empty() && clean.front() == '/')
        clean.erase(0, 1);
    while (!clean.empty() && clean.back() == '/')
        clean.pop_back();
    WSLMOD_CHECK(extract_dir(x, root, top, clean, 0));
    WSLMOD_CHECK(top.set_mode(root_inode.i_mode & (x.limits.keep_special_modes ? 07777 : 0777)));
    if (existed && ::rmdir(dest.c_str()) != 0)
        return util::fail(fmt::format("cannot replace the empty folder: {}", strerror(errno)),
                          dest.string());
    if (::rename(temp.c_str(), dest.c_str()) != 0)
        return util::fail(fmt::format("cannot move into place: {}", strerror(errno)),
                          dest.string());
    cleanup.release();
    return x.stats;
}

util::Result<Ext4Check> Ext4Reader::check() const {
    auto where = origin_;
    if (errcode_t e = ext2fs_check_desc(fs_))
        return util::fail(fmt::format("bad group descriptors: {}", ext2_error(e)), where);
    if (errcode_t e = ext2fs_read_bitmaps(fs_))
        return util::fail(fmt::format("bad bitmaps: {}", ext2_error(e)), where);
    Ext4Check stats;
    std::map<ext2_ino_t, unsigned> links;  // directory entries naming each inode
    std::map<blk64_t, ext2_ino_t> claimed; // data block -> owner
    std::vector<std::pair<ext2_ino_t, ext2_ino_t>> dirs{{EXT2_ROOT_INO, EXT2_ROOT_INO}};
    links[EXT2_ROOT_INO] = 1; // the root's own '..'
    while (!dirs.empty()) {
        auto [dir, parent] = dirs.back();
        dirs.pop_back();
        DirList list;
        if (errcode_t e = ext2fs_dir_iterate2(fs_, dir, 0, nullptr, collect, &list))
            return util::fail(fmt::format("directory inode {} unreadable: {}", dir, ext2_error(e)),
                              where);
        ext2_ino_t dotdot = 0;
        if (errcode_t e = ext2fs_lookup(fs_, dir, "..", 2, nullptr, &dotdot); e || dotdot != parent)
            return util::fail(fmt::format("directory inode {} has a wrong '..' entry", dir), where);
        ++links[dir]; // its own '.'
        for (const auto& [name, ino] : list.names) {
            ++links[ino];
            if (links[ino] > 1 && links.count(ino)) {
                struct ext2_inode probe {};
                ext2fs_read_inode(fs_, ino, &probe);
                if (LINUX_S_ISDIR(probe.i_mode) && links[ino] > 1)
                    return util::fail(fmt::format("directory inode {} is linked twice", ino),
                                      where);
            }
            if (!ext2fs_test_inode_bitmap2(fs_->inode_map, ino))
                return util::fail(fmt::format("'{}' uses inode {} marked free", name, ino), where);
            struct ext2_inode inode {};
            if (errcode_t e = ext2fs_read_inode(fs_, ino, &inode))
                return util::fail(fmt::format("inode {} ('{}'): {}", ino, name, ext2_error(e)),
                                  where);
            ++stats.inodes;
            if (LINUX_S_ISDIR(inode.i_mode)) {
                ++links[dir]; // the child's '..'
                dirs.emplace_back(ino, dir);
                // Counted like the packed tree: below the root, lost+found left out.
                if (!(dir == EXT2_ROOT_INO && name == "lost+found")) ++stats.directories;
            } else if (LINUX_S_ISLNK(inode.i_mode))
                ++stats.symlinks;
            else
                ++stats.files;
            if (!ext2fs_inode_has_valid_blocks2(fs_, &inode)) continue;
            struct Ctx {
                const Ext4Reader* self;
                std::map<blk64_t, ext2_ino_t>* claimed;
                ext2_ino_t ino;
                std::string bad;
                uint64_t* count;
            } ctx{this, &claimed, ino, {}, &stats.data_blocks};
            auto cb = [](ext2_filsys fs, blk64_t* blk, e2_blkcnt_t, blk64_t, int,
                         void* priv) -> int {
                auto* c = static_cast<Ctx*>(priv);
                if (*blk >= ext2fs_blocks_count(fs->super) ||
                    !ext2fs_test_block_bitmap2(fs->block_map, *blk)) {
                    c->bad = fmt::format(
                        "inode {} uses block {} that is out of range or marked free", c->ino, *blk);
                    return BLOCK_ABORT;
                }
                if (!c->claimed->emplace(*blk, c->ino).second) {
                    c->bad = fmt::format("block {} is claimed by inodes {} and {}", *blk,
                                         c->claimed->at(*blk), c->ino);
                    return BLOCK_ABORT;
                }
                ++*c->count;
                return 0;
            };
            if (errcode_t e =
                    ext2fs_block_iterate3(fs_, ino, BLOCK_FLAG_READ_ONLY, nullptr, cb, &ctx))
                return util::fail(
                    fmt::format("inode {} block map unreadable: {}", ino, ext2_error(e)), where);
            if (!ctx.bad.empty()) return util::fail(ctx.bad, where);
        }
    }
    for (const auto& [ino, count] : links) {
        struct ext2_inode inode {};
        ext2fs_read_inode(fs_, ino, &inode);
        if (inode.i_links_count != count &&
            !(LINUX_S_ISDIR(inode.i_mode) && inode.i_links_count == 1))
            return util::fail(fmt::format("inode {} has link count {} but {} references", ino,
                                          inode.i_links_count, count),
                              where);
    }
    return stats;
}

} // namespace wslmod::image
