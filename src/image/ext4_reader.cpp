#include "image/ext4_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

#include <ext2fs/ext2fs.h>
#include <fmt/format.h>

#include "image/ext2fs_io.h"

namespace wslmod::image {
namespace {

Ext4Entry entry_from_inode(const std::string& name, const struct ext2_inode& inode) {
    Ext4Entry e;
    e.name = name;
    e.mode = inode.i_mode & 07777;
    e.type = LINUX_S_ISDIR(inode.i_mode) ? TreeEntry::Type::directory
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
};

int collect(ext2_ino_t, int, struct ext2_dir_entry* dirent, int, int, char*, void* priv) {
    auto* list = static_cast<DirList*>(priv);
    std::string name(dirent->name, ext2fs_dirent_name_len(dirent));
    if (name != "." && name != "..") list->names.emplace_back(name, dirent->inode);
    return 0;
}

} // namespace

util::Result<std::unique_ptr<Ext4Reader>> Ext4Reader::open(BlockDevice& device, std::string origin) {
    ext2_filsys fs = nullptr;
    auto name = device_name(device);
    errcode_t err = ext2fs_open2(name.c_str(), nullptr, EXT2_FLAG_64BITS, 0, 0, block_device_io_manager(), &fs);
    if (err)
        return util::bad_input(fmt::format("not a readable ext4 filesystem: {}", ext2_error(err)), origin);
    return std::unique_ptr<Ext4Reader>(new Ext4Reader(fs, std::move(origin)));
}

Ext4Reader::~Ext4Reader() { ext2fs_close_free(&fs_); }

std::string Ext4Reader::uuid() const {
    auto* u = fs_->super->s_uuid;
    return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                       u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

std::string Ext4Reader::label() const {
    return std::string(reinterpret_cast<const char*>(fs_->super->s_volume_name),
                       strnlen(reinterpret_cast<const char*>(fs_->super->s_volume_name), 16));
}

util::Result<unsigned> Ext4Reader::lookup(const std::string& path) const {
    std::string p = path;
    while (!p.empty() && p.front() == '/') p.erase(0, 1);
    while (!p.empty() && p.back() == '/') p.pop_back();
    if (p.empty()) return unsigned{EXT2_ROOT_INO};
    ext2_ino_t ino = 0;
    errcode_t err = ext2fs_namei(fs_, EXT2_ROOT_INO, EXT2_ROOT_INO, p.c_str(), &ino);
    if (err) return util::bad_input(fmt::format("no such path in the image: {}", ext2_error(err)), origin_ + ":/" + p);
    return unsigned{ino};
}

util::Result<std::vector<Ext4Entry>> Ext4Reader::list(const std::string& path) const {
    auto ino = WSLMOD_TRY(lookup(path));
    DirList list;
    errcode_t err = ext2fs_dir_iterate2(fs_, ino, 0, nullptr, collect, &list);
    if (err) return util::fail(fmt::format("cannot list: {}", ext2_error(err)), origin_ + ":/" + path);
    std::sort(list.names.begin(), list.names.end());
    std::vector<Ext4Entry> out;
    for (const auto& [name, child] : list.names) {
        struct ext2_inode inode {};
        if (errcode_t e = ext2fs_read_inode(fs_, child, &inode))
            return util::fail(fmt::format("cannot read inode {}: {}", child, ext2_error(e)), origin_);
        auto entry = entry_from_inode(name, inode);
        if (entry.type == TreeEntry::Type::symlink) {
            auto target = read_file((path.empty() ? "" : path + "/") + name);
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
        return util::fail(fmt::format("cannot read inode: {}", ext2_error(e)), origin_ + ":/" + path);
    return entry_from_inode(path.substr(path.rfind('/') + 1), inode);
}

util::Result<std::string> Ext4Reader::read_file(const std::string& path) const {
    auto ino = WSLMOD_TRY(lookup(path));
    struct ext2_inode inode {};
    if (errcode_t e = ext2fs_read_inode(fs_, ino, &inode))
        return util::fail(fmt::format("cannot read inode: {}", ext2_error(e)), origin_ + ":/" + path);
    uint64_t size = EXT2_I_SIZE(&inode);
    if (LINUX_S_ISLNK(inode.i_mode) && ext2fs_is_fast_symlink(&inode))
        return std::string(reinterpret_cast<const char*>(inode.i_block), size);
    if (size > (uint64_t{1} << 32)) return util::fail("file too large to read at once", origin_ + ":/" + path);
    ext2_file_t file = nullptr;
    if (errcode_t e = ext2fs_file_open2(fs_, ino, &inode, 0, &file))
        return util::fail(fmt::format("cannot open: {}", ext2_error(e)), origin_ + ":/" + path);
    std::string out(size, '\0');
    unsigned int got = 0;
    errcode_t e = ext2fs_file_read(file, out.data(), static_cast<unsigned>(size), &got);
    ext2fs_file_close(file);
    if (e || got != size)
        return util::fail(fmt::format("cannot read: {}", e ? ext2_error(e) : "short read"), origin_ + ":/" + path);
    return out;
}

util::Result<Ext4Check> Ext4Reader::extract(const std::string& path, const std::filesystem::path& dest) const {
    std::error_code ec;
    if (std::filesystem::exists(dest, ec) && !std::filesystem::is_empty(dest, ec))
        return util::bad_input("destination is not empty", dest.string(), "extract into a new folder");
    std::filesystem::create_directories(dest, ec);
    if (ec) return util::fail(fmt::format("cannot create: {}", ec.message()), dest.string());
    Ext4Check stats;
    // Depth-first over (image path, host path); names come from directory entries, which
    // cannot contain '/', and . and .. are skipped, so every host path stays below `dest`.
    std::vector<std::pair<std::string, std::filesystem::path>> todo{{path, dest}};
    while (!todo.empty()) {
        auto [img, host] = todo.back();
        todo.pop_back();
        for (const auto& e : WSLMOD_TRY(list(img))) {
            auto child_img = (img.empty() || img == "/" ? "" : img + "/") + e.name;
            auto child = host / e.name;
            if (e.type == TreeEntry::Type::directory) {
                ++stats.directories;
                if (::mkdir(child.c_str(), 0700) != 0)
                    return util::fail(fmt::format("cannot create: {}", strerror(errno)), child.string());
                todo.emplace_back(child_img, child);
            } else if (e.type == TreeEntry::Type::symlink) {
                if (::symlink(e.target.c_str(), child.c_str()) != 0)
                    return util::fail(fmt::format("cannot create symlink: {}", strerror(errno)), child.string());
                ++stats.symlinks;
                continue;
            } else {
                auto data = WSLMOD_TRY(read_file(child_img));
                int fd = ::open(child.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0) return util::fail(fmt::format("cannot create: {}", strerror(errno)), child.string());
                bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
                ::close(fd);
                if (!ok) return util::fail("write failed", child.string(), "check free disk space");
                ++stats.files;
                stats.data_blocks += (data.size() + 4095) / 4096;
            }
            ::chmod(child.c_str(), e.mode);
        }
    }
    auto root = WSLMOD_TRY(stat(path));
    ::chmod(dest.c_str(), root.mode);
    return stats;
}

util::Result<Ext4Check> Ext4Reader::check() const {
    auto where = origin_;
    if (errcode_t e = ext2fs_check_desc(fs_))
        return util::fail(fmt::format("bad group descriptors: {}", ext2_error(e)), where);
    if (errcode_t e = ext2fs_read_bitmaps(fs_))
        return util::fail(fmt::format("bad bitmaps: {}", ext2_error(e)), where);
    Ext4Check stats;
    std::map<ext2_ino_t, unsigned> links;        // directory entries naming each inode
    std::map<blk64_t, ext2_ino_t> claimed;        // data block -> owner
    std::vector<std::pair<ext2_ino_t, ext2_ino_t>> dirs{{EXT2_ROOT_INO, EXT2_ROOT_INO}};
    links[EXT2_ROOT_INO] = 1; // the root's own '..'
    while (!dirs.empty()) {
        auto [dir, parent] = dirs.back();
        dirs.pop_back();
        DirList list;
        if (errcode_t e = ext2fs_dir_iterate2(fs_, dir, 0, nullptr, collect, &list))
            return util::fail(fmt::format("directory inode {} unreadable: {}", dir, ext2_error(e)), where);
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
                    return util::fail(fmt::format("directory inode {} is linked twice", ino), where);
            }
            if (!ext2fs_test_inode_bitmap2(fs_->inode_map, ino))
                return util::fail(fmt::format("'{}' uses inode {} marked free", name, ino), where);
            struct ext2_inode inode {};
            if (errcode_t e = ext2fs_read_inode(fs_, ino, &inode))
                return util::fail(fmt::format("inode {} ('{}'): {}", ino, name, ext2_error(e)), where);
            ++stats.inodes;
            if (LINUX_S_ISDIR(inode.i_mode)) {
                ++links[dir]; // the child's '..'
                dirs.emplace_back(ino, dir);
                // Counted like the packed tree: below the root, lost+found left out.
                if (!(dir == EXT2_ROOT_INO && name == "lost+found")) ++stats.directories;
            } else if (LINUX_S_ISLNK(inode.i_mode)) ++stats.symlinks;
            else ++stats.files;
            if (!ext2fs_inode_has_valid_blocks2(fs_, &inode)) continue;
            struct Ctx { const Ext4Reader* self; std::map<blk64_t, ext2_ino_t>* claimed; ext2_ino_t ino; std::string bad; uint64_t* count; } ctx{this, &claimed, ino, {}, &stats.data_blocks};
            auto cb = [](ext2_filsys fs, blk64_t* blk, e2_blkcnt_t, blk64_t, int, void* priv) -> int {
                auto* c = static_cast<Ctx*>(priv);
                if (*blk >= ext2fs_blocks_count(fs->super) || !ext2fs_test_block_bitmap2(fs->block_map, *blk)) {
                    c->bad = fmt::format("inode {} uses block {} that is out of range or marked free", c->ino, *blk);
                    return BLOCK_ABORT;
                }
                if (!c->claimed->emplace(*blk, c->ino).second) {
                    c->bad = fmt::format("block {} is claimed by inodes {} and {}", *blk, c->claimed->at(*blk), c->ino);
                    return BLOCK_ABORT;
                }
                ++*c->count;
                return 0;
            };
            if (errcode_t e = ext2fs_block_iterate3(fs_, ino, BLOCK_FLAG_READ_ONLY, nullptr, cb, &ctx))
                return util::fail(fmt::format("inode {} block map unreadable: {}", ino, ext2_error(e)), where);
            if (!ctx.bad.empty()) return util::fail(ctx.bad, where);
        }
    }
    for (const auto& [ino, count] : links) {
        struct ext2_inode inode {};
        ext2fs_read_inode(fs_, ino, &inode);
        if (inode.i_links_count != count && !(LINUX_S_ISDIR(inode.i_mode) && inode.i_links_count == 1))
            return util::fail(fmt::format("inode {} has link count {} but {} references", ino, inode.i_links_count, count), where);
    }
    return stats;
}

} // namespace wslmod::image
