#include "kernel/source_archive.h"

#include <memory>
#include <optional>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include "util/xz_file.h"

namespace wslmod::kernel {
namespace {

// libarchive's read callback over the threaded xz decoder: the decoded tar, block by block.
struct XzClient {
    std::unique_ptr<util::XzFile> xz;
    std::optional<util::Error> error;
};

la_ssize_t xz_read(archive* a, void* client, const void** buffer) {
    auto* c = static_cast<XzClient*>(client);
    auto chunk = c->xz->next();
    if (!chunk) {
        c->error = chunk.error();
        archive_set_error(a, EIO, "%s", chunk.error().what.c_str());
        return -1;
    }
    *buffer = chunk->first;
    return static_cast<la_ssize_t>(chunk->second);
}

// True when `p` (relative, '/'-separated) has no empty, '.'-only-escaping or '..' components.
bool safe_relative(const std::string& p) {
    if (p.empty() || p.front() == '/') return false;
    for (const auto& part : std::filesystem::path(p))
        if (part == "..") return false;
    return true;
}

// True when symlink `link` (relative path in the tree) pointing at `target` stays in the tree.
bool target_inside(const std::string& link, const std::string& target) {
    if (target.empty() || target.front() == '/') return false;
    auto resolved = (std::filesystem::path(link).parent_path() / target).lexically_normal();
    return !resolved.empty() && *resolved.begin() != ".." && resolved.string() != "..";
}

} // namespace

util::Result<ExtractStats> extract_source(const std::filesystem::path& path,
                                          const std::filesystem::path& dest,
                                          const ExtractOptions& options) {
    std::error_code ec;
    if (!dest.empty()) {
        if (std::filesystem::exists(dest, ec) && !std::filesystem::is_empty(dest, ec))
            return util::bad_input("destination is not empty", dest.string());
        std::filesystem::create_directories(dest, ec);
        if (ec) return util::fail(fmt::format("cannot create: {}", ec.message()), dest.string());
    }

    std::unique_ptr<archive, decltype(&archive_read_free)> in(archive_read_new(),
                                                              archive_read_free);
    archive_read_support_filter_all(in.get());
    archive_read_support_format_tar(in.get());
    archive_read_support_format_gnutar(in.get());
    XzClient xz;
    int opened = ARCHIVE_OK;
    if (util::is_xz_file(path)) {
        xz.xz = WSLMOD_TRY(util::XzFile::open(path, options.threads));
        opened = archive_read_open(in.get(), &xz, nullptr, xz_read, nullptr);
    } else {
        opened = archive_read_open_filename(in.get(), path.c_str(), 1 << 20);
    }
    if (opened != ARCHIVE_OK)
        return util::bad_input(
            fmt::format("cannot read the source archive: {}", archive_error_string(in.get())),
            path.string());
    std::unique_ptr<archive, decltype(&archive_write_free)> out(archive_write_disk_new(),
                                                                archive_write_free);
    // Names are checked above to be relative and free of '..', then placed under `root`, so
    // libarchive sees absolute paths: it keeps guarding '..' and writes through symlinks.
    archive_write_disk_set_options(
        out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                       ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_NO_OVERWRITE);
    const auto root = dest.empty() ? dest : std::filesystem::absolute(dest).lexically_normal();

    ExtractStats stats;
    size_t seen = 0; // entries checked, kept or not
    archive_entry* e = nullptr;
    const std::string where = path.string();
    for (;;) {
        int rc = archive_read_next_header(in.get(), &e);
        if (rc == ARCHIVE_EOF) break;
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
            if (xz.error) return tl::unexpected(*xz.error);
            return util::bad_input(
                fmt::format("damaged source archive: {}", archive_error_string(in.get())), where);
        }
        std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
        while (name.starts_with("./"))
            name.erase(0, 2);
        if (!safe_relative(name))
            return util::bad_input(fmt::format("refusing entry '{}': absolute path or '..'", name),
                                   where, "the archive tries to write outside its folder");
        auto slash = name.find('/');
        std::string top = name.substr(0, slash);
        if (stats.top.empty()) stats.top = top;
        if (top != stats.top)
            return util::bad_input(
                fmt::format("entry '{}' is outside the archive's top folder '{}'", name, stats.top),
                where, "pass an archive with one top-level folder, as kernel tarballs have");
        std::string rel = slash == std::string::npos ? "" : name.substr(slash + 1);
        while (!rel.empty() && rel.back() == '/')
            rel.pop_back();
        if (rel.empty()) continue; // the top folder itself
        auto type = archive_entry_filetype(e);
        if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
            return util::bad_input(
                fmt::format("refusing entry '{}': device node, fifo or socket", name), where);
        if (type == AE_IFLNK &&
            !target_inside(rel, archive_entry_symlink(e) ? archive_entry_symlink(e) : ""))
            return util::bad_input(
                fmt::format("refusing symlink '{}' -> '{}': it leaves the tree", name,
                            archive_entry_symlink(e) ? archive_entry_symlink(e) : ""),
                where);
        ++seen;
        auto to = options.place ? options.place(rel) : root / rel;
        if (const char* hard = archive_entry_hardlink(e)) {
            std::string h = hard;
            if (!h.starts_with(stats.top + "/") || !safe_relative(h))
                return util::bad_input(fmt::format("refusing hard link '{}' -> '{}'", name, h),
                                       where);
            auto target_rel = h.substr(stats.top.size() + 1);
            auto target = options.place ? options.place(target_rel) : root / target_rel;
            if (!to.empty() && target.empty())
                return util::bad_input(
                    fmt::format("hard link '{}' -> '{}' leads to a file that is left out", name, h),
                    where, "extract the whole archive");
            archive_entry_set_hardlink(e, target.c_str());
        }
        if (to.empty()) {
            if (archive_read_data_skip(in.get()) != ARCHIVE_OK)
                return util::bad_input(fmt::format("damaged source archive at '{}': {}", name,
                                                   archive_error_string(in.get())),
                                       where);
            continue;
        }
        archive_entry_set_pathname(e, to.c_str());
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        if (archive_write_header(out.get(), e) != ARCHIVE_OK)
            return util::bad_input(
                fmt::format("refusing entry '{}': {}", name, archive_error_string(out.get())),
                where);
        const void* buf = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        while ((rc = archive_read_data_block(in.get(), &buf, &size, &offset)) == ARCHIVE_OK) {
            if (archive_write_data_block(out.get(), buf, size, offset) != ARCHIVE_OK)
                return util::fail(
                    fmt::format("cannot write '{}': {}", name, archive_error_string(out.get())),
                    dest.string(), "check free disk space");
            stats.bytes += size;
        }
        if (rc != ARCHIVE_EOF) {
            if (xz.error) return tl::unexpected(*xz.error);
            return util::bad_input(fmt::format("damaged source archive at '{}': {}", name,
                                               archive_error_string(in.get())),
                                   where);
        }
        if (archive_write_finish_entry(out.get()) != ARCHIVE_OK)
            return util::fail(
                fmt::format("cannot finish '{}': {}", name, archive_error_string(out.get())),
                dest.string());
        ++stats.entries;
    }
    if (seen == 0) return util::bad_input("the source archive is empty", where);
    return stats;
}

} // namespace wslmod::kernel
