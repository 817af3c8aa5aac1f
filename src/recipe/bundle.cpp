#include "recipe/bundle.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include "util/atomic_dir.h"
#include "util/atomic_file.h"
#include "util/beneath.h"
#include "util/sha256.h"

namespace wslmod::recipe {
namespace {
namespace fs = std::filesystem;

constexpr const char* sums_name = "SHA256SUMS";
constexpr uint64_t max_entries = 100000;
constexpr uint64_t max_bytes = 4ull << 30;
constexpr uint64_t min_total = 16ull << 20; // what any bundle may expand to, whatever its size
constexpr uint64_t expansion = 20;          // and what a bigger one may: this times its size
// SHA256SUMS, wslmod.toml and wslmod.lock are read whole into memory: each is capped, and so is
// one SHA256SUMS line (a real one is 66 bytes and a path).
constexpr uint64_t max_metadata = 64ull << 20;
constexpr size_t max_sums_line = 4096;
bool metadata_file(const std::string& path) {
    return path == sums_name || path == "wslmod.toml" || path == "wslmod.lock";
}

using Reader = std::unique_ptr<archive, decltype(&archive_read_free)>;
using Writer = std::unique_ptr<archive, decltype(&archive_write_free)>;
using Entry = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

util::Error refused(const fs::path& bundle, const std::string& what) {
    return util::Error{fmt::format("refusing the bundle: {}", what), bundle.string(),
                       "ask for a bundle made with `wslmod bundle export`; nothing was written",
                       util::ExitCode::usage};
}

// A relative path whose every component is a plain name.
bool plain_path(const std::string& p) {
    if (p.empty() || p.front() == '/' || p.back() == '/') return false;
    std::stringstream in(p);
    for (std::string part; std::getline(in, part, '/');)
        if (!util::is_component(part)) return false;
    return true;
}

util::Result<void> add_entry(archive* a, const std::string& path, mode_t type,
                             const std::string& data, const fs::path& out) {
    Entry e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), path.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_size(e.get(), type == AE_IFREG ? static_cast<la_int64_t>(data.size()) : 0);
    archive_entry_set_mtime(e.get(), 0, 0);
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    if (archive_write_header(a, e.get()) != ARCHIVE_OK ||
        (type == AE_IFREG &&
         archive_write_data(a, data.data(), data.size()) != static_cast<la_ssize_t>(data.size())))
        return util::fail(fmt::format("cannot write {}: {}", path, archive_error_string(a)),
                          out.string());
    return {};
}

util::Result<std::string> read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return util::fail("cannot read", p.string());
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// One extraction below `dest`: what it has extracted so far, for the checks that span entries.
struct Extraction {
    const fs::path& bundle;
    const fs::path& dest;
    uint64_t max_total;                         // what the contents may expand to
    util::Beneath root;                         // dest
    std::map<std::string, std::string> digests; // path -> sha256 of what was extracted
    std::set<std::string> folders, made;        // folder entries; every folder made so far
    std::string sums;
    bool have_sums = false;
    uint64_t entries = 0, bytes = 0;

    // Opens (making it when new) the folder `path` below dest, one component at a time through
    // folder descriptors, never following a link; `made` learns every folder on the way.
    util::Result<util::Beneath> folder_at(const std::string& path) {
        for (size_t at = path.find('/'); at != std::string::npos; at = path.find('/', at + 1))
            made.insert(path.substr(0, at));
        if (!path.empty()) made.insert(path);
        return root.make_dirs(path);
    }

    tl::unexpected<util::Error> expanded_too_far() const {
        return tl::unexpected(
            refused(bundle, fmt::format("its contents expand past {} MiB, {} times its own size",
                                        max_total >> 20, expansion)));
    }

    util::Result<void> check_entry(archive_entry* e, const std::string& name,
                                   const std::string& path, bool folder);
    util::Result<bool> next_entry(archive* a);
    util::Result<void> extract_file(archive* a, archive_entry* e, const std::string& name,
                                    const std::string& path);
};

// One file's contents as libarchive hands them out, block by block: counted against the cap,
// hashed (a hole counts, and hashes, as zeros) and written at their offsets; SHA256SUMS is
// read into memory, never written.
struct FileContents {
    Extraction& x;
    const std::string& name;
    const std::string& path;
    bool is_sums;
    int fd; // none (-1) for SHA256SUMS
    util::Sha256 h;
    uint64_t pos = 0; // how far the file is hashed

    util::Result<void> expand_to(uint64_t to) {
        if (to < pos)
            return tl::unexpected(refused(
                x.bundle, fmt::format("damaged at {}: data out of order", util::quoted(name))));
        x.bytes += to - pos;
        if (x.bytes > x.max_total) return x.expanded_too_far();
        static const std::string zeros(1 << 16, '\0');
        for (uint64_t at = pos; at < to && !is_sums;) {
            auto n = std::min<uint64_t>(zeros.size(), to - at);
            h.update(std::string_view(zeros.data(), n));
            at += n;
        }
        return {};
    }

    util::Result<void> add_block(const void* buf, size_t size, la_int64_t offset) {
        WSLMOD_CHECK(expand_to(static_cast<uint64_t>(offset)));
        pos = static_cast<uint64_t>(offset);
        x.bytes += size;
        if (x.bytes > x.max_total) return x.expanded_too_far();
        pos += size;
        if (metadata_file(path) && static_cast<uint64_t>(offset) + size > max_metadata)
            return tl::unexpected(refused(x.bundle, fmt::format("{} is larger than 64 MiB", path)));
        auto chunk = std::string_view(static_cast<const char*>(buf), size);
        if (is_sums) {
            x.sums += chunk;
            return {};
        }
        h.update(chunk);
        return write_at(chunk, offset);
    }

    // Written at the offset libarchive gives, so that holes of a sparse member stay holes.
    util::Result<void> write_at(std::string_view chunk, la_int64_t offset) {
        for (size_t done = 0; done < chunk.size();) {
            auto n = ::pwrite(fd, chunk.data() + done, chunk.size() - done,
                              static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                return util::fail(fmt::format("cannot write: {}", std::strerror(errno)),
                                  (x.dest / path).string(), "check free disk space");
            done += static_cast<size_t>(n);
        }
        return {};
    }
};

util::Result<void> Extraction::check_entry(archive_entry* e, const std::string& name,
                                           const std::string& path, bool folder) {
    auto type = archive_entry_filetype(e);
    if (!plain_path(path))
        return tl::unexpected(refused(
            bundle, fmt::format("entry {} is not a plain relative path", util::quoted(name))));
    if (archive_entry_hardlink(e))
        return tl::unexpected(
            refused(bundle, fmt::format("entry {} is a hard link", util::quoted(name))));
    if (!folder && type != AE_IFREG)
        return tl::unexpected(
            refused(bundle, fmt::format("entry {} is not a file or folder (a link or a device)",
                                        util::quoted(name))));
    if (digests.count(path) || folders.count(path) || (path == sums_name && have_sums))
        return tl::unexpected(
            refused(bundle, fmt::format("entry {} appears twice", util::quoted(name))));
    // Every parent must be a folder this bundle made (never a file of it).
    for (auto p = fs::path(path).parent_path(); !p.empty(); p = p.parent_path())
        if (digests.count(p.generic_string()) || (p.generic_string() == sums_name && have_sums))
            return tl::unexpected(
                refused(bundle, fmt::format("entry {} is below a file", util::quoted(name))));
    return {};
}

// Reads and extracts the next entry; false at the end of the archive.
util::Result<bool> Extraction::next_entry(archive* a) {
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(a, &e);
    if (rc == ARCHIVE_EOF) return false;
    if (rc != ARCHIVE_OK)
        return tl::unexpected(refused(bundle, fmt::format("damaged: {}", archive_error_string(a))));
    if (++entries > max_entries)
        return tl::unexpected(refused(bundle, "more than 100,000 entries"));
    std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    bool folder = archive_entry_filetype(e) == AE_IFDIR;
    auto path = folder && name.ends_with("/") ? name.substr(0, name.size() - 1) : name;
    WSLMOD_CHECK(check_entry(e, name, path, folder));
    if (folder) {
        folders.insert(path);
        if (!made.count(path)) WSLMOD_CHECK(folder_at(path));
        return true;
    }
    WSLMOD_CHECK(extract_file(a, e, name, path));
    return true;
}

util::Result<void> Extraction::extract_file(archive* a, archive_entry* e, const std::string& name,
                                            const std::string& path) {
    auto slash = path.rfind('/');
    auto leaf = slash == std::string::npos ? path : path.substr(slash + 1);
    bool is_sums = path == sums_name;
    if (made.count(path))
        return tl::unexpected(refused(
            bundle, fmt::format("entry {} is a file where a folder is", util::quoted(name))));
    util::Fd out;
    if (!is_sums) { // SHA256SUMS is read into memory, never written
        auto parent =
            WSLMOD_TRY(folder_at(slash == std::string::npos ? "" : path.substr(0, slash)));
        out = WSLMOD_TRY(parent.create_file(leaf));
    }
    FileContents file{*this, name, path, is_sums, out.get()};
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int rc;
    while ((rc = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK)
        WSLMOD_CHECK(file.add_block(buf, size, offset));
    if (rc != ARCHIVE_EOF)
        return tl::unexpected(refused(
            bundle, fmt::format("damaged at {}: {}", util::quoted(name), archive_error_string(a))));
    if (is_sums) {
        have_sums = true;
        return {};
    }
    auto end = std::max<uint64_t>(
        file.pos, static_cast<uint64_t>(std::max<la_int64_t>(archive_entry_size(e), 0)));
    WSLMOD_CHECK(file.expand_to(end)); // a trailing hole
    if (::ftruncate(out.get(), static_cast<off_t>(end)) != 0)
        return util::fail(fmt::format("cannot write: {}", std::strerror(errno)),
                          (dest / path).string());
    if (::fchmod(out.get(), 0644) != 0)
        return util::fail(fmt::format("cannot chmod: {}", std::strerror(errno)),
                          (dest / path).string());
    digests[path] = util::to_hex(file.h.finish());
    return {};
}

// SHA256SUMS as path -> digest, every line checked.
util::Result<std::map<std::string, std::string>> parse_sums(const fs::path& bundle,
                                                            const std::string& sums) {
    std::map<std::string, std::string> listed;
    std::istringstream in(sums);
    for (std::string line; std::getline(in, line);) {
        if (line.size() > max_sums_line)
            return tl::unexpected(
                refused(bundle, fmt::format("a SHA256SUMS line is longer than {} bytes: {}",
                                            max_sums_line, util::quoted(line))));
        auto sep = line.find("  ");
        if (sep != 64 || line.size() <= 66)
            return tl::unexpected(
                refused(bundle, fmt::format("SHA256SUMS line {} is not '<sha256>  <path>'",
                                            util::quoted(line))));
        auto path = line.substr(66);
        if (!listed.emplace(path, line.substr(0, 64)).second)
            return tl::unexpected(
                refused(bundle, fmt::format("SHA256SUMS lists {} twice", util::quoted(path))));
    }
    return listed;
}

// SHA256SUMS must list exactly the extracted files, each with the digest of what was extracted.
util::Result<void> check_sums(const fs::path& bundle,
                              const std::map<std::string, std::string>& digests,
                              const std::map<std::string, std::string>& listed) {
    for (const auto& [path, digest] : digests) {
        auto l = listed.find(path);
        if (l == listed.end())
            return tl::unexpected(
                refused(bundle, fmt::format("{} is not in SHA256SUMS", util::quoted(path))));
        if (l->second != digest)
            return tl::unexpected(
                refused(bundle, fmt::format("{} does not match its SHA-256 in SHA256SUMS",
                                            util::quoted(path))));
    }
    for (const auto& [path, digest] : listed)
        if (!digests.count(path))
            return tl::unexpected(refused(
                bundle, fmt::format("SHA256SUMS lists {}, which is missing", util::quoted(path))));
    return {};
}

} // namespace

util::Result<void> write_bundle(const fs::path& out, std::vector<BundleFile> files) {
    std::sort(files.begin(), files.end(),
              [](const auto& a, const auto& b) { return a.path < b.path; });
    for (size_t i = 0; i < files.size(); ++i)
        if (!plain_path(files[i].path) || files[i].path == sums_name ||
            (i && files[i].path == files[i - 1].path))
            return util::fail(fmt::format("cannot bundle '{}'", files[i].path),
                              files[i].source.string());
    auto tmp = out.string() + fmt::format(".tmp-{}", ::getpid());
    util::RemoveOnExit cleanup{tmp};
    {
        Writer a(archive_write_new(), archive_write_free);
        archive_write_set_format_pax_restricted(a.get());
        archive_write_add_filter_zstd(a.get());
        if (archive_write_open_filename(a.get(), tmp.c_str()) != ARCHIVE_OK)
            return util::fail(fmt::format("cannot write: {}", archive_error_string(a.get())),
                              out.string());
        std::string sums;
        std::set<std::string> dirs;
        for (const auto& f : files) {
            // Folders first, once each, so that extraction never has to invent one.
            for (auto slash = f.path.find('/'); slash != std::string::npos;
                 slash = f.path.find('/', slash + 1))
                if (dirs.insert(f.path.substr(0, slash)).second)
                    WSLMOD_CHECK(
                        add_entry(a.get(), f.path.substr(0, slash) + "/", AE_IFDIR, "", out));
            auto data = WSLMOD_TRY(read_all(f.source));
            util::Sha256 h;
            h.update(data);
            sums += util::to_hex(h.finish()) + "  " + f.path + "\n";
            WSLMOD_CHECK(add_entry(a.get(), f.path, AE_IFREG, data, out));
        }
        WSLMOD_CHECK(add_entry(a.get(), sums_name, AE_IFREG, sums, out));
        if (archive_write_close(a.get()) != ARCHIVE_OK)
            return util::fail(fmt::format("cannot finish: {}", archive_error_string(a.get())),
                              out.string());
    }
    WSLMOD_CHECK(util::fsync_path(tmp));
    std::error_code ec;
    fs::rename(tmp, out, ec);
    if (ec)
        return util::fail(fmt::format("cannot rename into place: {}", ec.message()), out.string());
    cleanup.release();
    return {};
}

util::Result<std::vector<std::string>> extract_bundle(const fs::path& bundle,
                                                      const fs::path& dest) {
    std::error_code ec;
    if (fs::exists(dest, ec))
        return util::fail("the extraction folder exists already", dest.string());
    auto bundle_size = fs::file_size(bundle, ec);
    if (ec)
        return util::bad_input(fmt::format("cannot read the bundle: {}", ec.message()),
                               bundle.string());
    // What the contents may expand to: a real bundle's zstd ratio is about 4 (the Debian test
    // project's: 18.1 MB in 4.3 MB), so twenty times its size (at least 16 MiB, at most 4 GiB)
    // stops a decompression bomb long before the disk fills.
    const uint64_t max_total = std::clamp<uint64_t>(bundle_size * expansion, min_total, max_bytes);
    util::RemoveOnExit cleanup{dest};
    fs::create_directories(dest, ec);
    if (ec) return util::fail(fmt::format("cannot create: {}", ec.message()), dest.string());

    Reader a(archive_read_new(), archive_read_free);
    archive_read_support_filter_zstd(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_filename(a.get(), bundle.c_str(), 1 << 20) != ARCHIVE_OK)
        return tl::unexpected(
            refused(bundle, fmt::format("not a zstd tar: {}", archive_error_string(a.get()))));
    auto root = WSLMOD_TRY(util::Beneath::open(dest));
    Extraction x{bundle, dest, max_total, std::move(root)};
    for (bool more = true; more;)
        more = WSLMOD_TRY(x.next_entry(a.get()));
    if (!x.have_sums) return tl::unexpected(refused(bundle, "it has no SHA256SUMS"));
    auto listed = WSLMOD_TRY(parse_sums(bundle, x.sums));
    WSLMOD_CHECK(check_sums(bundle, x.digests, listed));
    cleanup.release();
    std::vector<std::string> out;
    for (const auto& [path, digest] : x.digests)
        out.push_back(path);
    return out;
}

} // namespace wslmod::recipe
