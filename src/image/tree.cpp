#include "image/tree.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include <fmt/format.h>

#include "util/sha256.h"

namespace wslmod::image {
namespace {

util::Result<void> scan_dir(const std::filesystem::path& root, const std::string& rel,
                            const std::vector<std::string>& skip_top, Tree& tree) {
    std::vector<std::string> names;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(root / rel, ec), end; !ec && it != end;
         it.increment(ec))
        names.push_back(it->path().filename().string());
    if (ec) return util::fail(fmt::format("cannot list: {}", ec.message()), (root / rel).string());
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        if (rel.empty() && std::find(skip_top.begin(), skip_top.end(), name) != skip_top.end())
            continue;
        TreeEntry e;
        e.path = rel.empty() ? name : rel + "/" + name;
        e.source = root / e.path;
        struct stat st {};
        if (::lstat(e.source.c_str(), &st) != 0)
            return util::fail(fmt::format("cannot stat: {}", strerror(errno)), e.source.string());
        e.mode = st.st_mode & 07777;
        if (S_ISDIR(st.st_mode))
            e.type = TreeEntry::Type::directory;
        else if (S_ISREG(st.st_mode)) {
            e.type = TreeEntry::Type::file;
            e.size = static_cast<uint64_t>(st.st_size);
            tree.file_bytes += e.size;
        } else if (S_ISLNK(st.st_mode)) {
            e.type = TreeEntry::Type::symlink;
            e.target = std::filesystem::read_symlink(e.source, ec).string();
            if (ec)
                return util::fail(fmt::format("cannot read link: {}", ec.message()),
                                  e.source.string());
            e.size = e.target.size();
        } else {
            return util::bad_input("not a file, directory or symlink", e.source.string(),
                                   "a modules tree holds only those; remove it");
        }
        tree.entries.push_back(e);
        if (e.type == TreeEntry::Type::directory)
            WSLMOD_CHECK(scan_dir(root, e.path, skip_top, tree));
    }
    return {};
}

std::array<std::byte, 32> listing_digest(const Tree& tree) {
    util::Sha256 h;
    for (const auto& e : tree.entries)
        h.update(fmt::format("{}\t{}\t{:o}\t{}\t{}\n", e.path, static_cast<int>(e.type), e.mode,
                             e.size, e.target));
    return h.finish();
}

} // namespace

uint32_t canonical_mode(TreeEntry::Type type, uint32_t mode) {
    return type == TreeEntry::Type::directory ? 0755
           : type == TreeEntry::Type::symlink ? 0777
           : (mode & 0111)                    ? 0755
                                              : 0644;
}

util::Result<Tree> scan_tree(const std::filesystem::path& root,
                             const std::vector<std::string>& skip_top, Modes modes) {
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec))
        return util::bad_input("not a directory", root.string(), "pass the folder to pack");
    Tree tree;
    struct stat st {};
    ::stat(root.c_str(), &st);
    tree.entries.push_back(
        {"", TreeEntry::Type::directory, static_cast<uint32_t>(st.st_mode & 07777), 0, {}, root});
    WSLMOD_CHECK(scan_dir(root, "", skip_top, tree));
    if (modes == Modes::canonical)
        for (auto& e : tree.entries)
            e.mode = canonical_mode(e.type, e.mode);
    tree.listing_digest = listing_digest(tree);
    return tree;
}

util::Result<void> add_root_symlink(Tree& tree, const std::string& name,
                                    const std::string& target) {
    // Entries are in depth-first order with siblings sorted, so the new one goes right before
    // the first root entry that sorts after it (and after the whole subtree of the one before).
    auto at = tree.entries.end();
    for (auto it = tree.entries.begin(); it != tree.entries.end(); ++it) {
        if (it->path.empty() || it->path.find('/') != std::string::npos) continue;
        if (it->path == name)
            return util::fail(fmt::format("the tree already has '{}' at its root", name),
                              tree.entries.front().source.string());
        if (it->path > name) {
            at = it;
            break;
        }
    }
    TreeEntry e{name, TreeEntry::Type::symlink, 0777, target.size(), target, {}};
    tree.entries.insert(at, e);
    tree.listing_digest = listing_digest(tree);
    return {};
}

} // namespace wslmod::image
