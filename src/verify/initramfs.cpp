#include "verify/initramfs.h"

#include <memory>
#include <set>
#include <sstream>

#include <sys/sysmacros.h>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include "util/file.h"
#include "util/process.h"

namespace wslmod::verify {

void Initramfs::ensure_parents(const std::string& path) {
    std::set<std::string> have;
    for (const auto& e : entries_)
        if (e.type == AE_IFDIR) have.insert(e.path);
    auto parent = std::filesystem::path(path).parent_path();
    std::vector<std::string> missing;
    for (auto p = parent; !p.empty() && p != "/" && p != "."; p = p.parent_path())
        if (!have.count(p.string())) missing.insert(missing.begin(), p.string());
    for (const auto& m : missing)
        entries_.push_back({m, AE_IFDIR, 0755, {}});
}

void Initramfs::add_directory(const std::string& path) {
    ensure_parents(path + "/x");
}

void Initramfs::add_file(const std::string& path, std::string content, unsigned mode) {
    ensure_parents(path);
    entries_.push_back({path, AE_IFREG, mode, std::move(content)});
}

util::Result<void> Initramfs::add_host_file(const std::string& path,
                                            const std::filesystem::path& host, unsigned mode) {
    auto bytes = WSLMOD_TRY(util::read_bytes(host));
    add_file(path, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), mode);
    return {};
}

void Initramfs::add_symlink(const std::string& path, const std::string& target) {
    ensure_parents(path);
    entries_.push_back({path, AE_IFLNK, 0777, target});
}

void Initramfs::add_char_device(const std::string& path, unsigned major, unsigned minor) {
    ensure_parents(path);
    entries_.push_back({path, AE_IFCHR, 0600, {}, major, minor});
}

util::Result<void> Initramfs::add_dynamic_binary(const std::string& path,
                                                 const std::filesystem::path& host_binary,
                                                 util::CommandRunner& runner) {
    WSLMOD_CHECK(add_host_file(path, host_binary, 0755));
    auto ldd = WSLMOD_TRY(runner.run({{"ldd", host_binary.string()}}));
    if (ldd.exit_code != 0) return util::fail("ldd failed: " + ldd.output, host_binary.string());
    std::istringstream lines(ldd.output);
    std::string line;
    while (std::getline(lines, line)) {
        // "libzstd.so.1 => /lib/x86_64-linux-gnu/libzstd.so.1 (0x...)" or "/lib64/ld-linux...
        // (0x...)"
        auto arrow = line.find("=> ");
        auto start = arrow == std::string::npos ? line.find_first_not_of(" \t") : arrow + 3;
        if (start == std::string::npos || line[start] != '/') continue; // linux-vdso
        auto lib = line.substr(start, line.find(' ', start) - start);
        WSLMOD_CHECK(add_host_file(lib, lib, 0755));
    }
    return {};
}

util::Result<std::vector<std::byte>> Initramfs::build() const {
    std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                              archive_write_free);
    archive_write_set_format_cpio_newc(a.get());
    archive_write_set_bytes_in_last_block(a.get(), 1);
    std::vector<std::byte> out;
    auto writer = [](archive*, void* client, const void* buf, size_t n) -> la_ssize_t {
        auto* o = static_cast<std::vector<std::byte>*>(client);
        auto* p = static_cast<const std::byte*>(buf);
        o->insert(o->end(), p, p + n);
        return static_cast<la_ssize_t>(n);
    };
    if (archive_write_open(a.get(), &out, nullptr, writer, nullptr) != ARCHIVE_OK)
        return util::fail(fmt::format("cpio: {}", archive_error_string(a.get())));
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(),
                                                                    archive_entry_free);
    for (const auto& entry : entries_) {
        archive_entry_clear(e.get());
        auto rel = entry.path.front() == '/' ? entry.path.substr(1) : entry.path;
        archive_entry_set_pathname(e.get(), rel.c_str());
        archive_entry_set_filetype(e.get(), entry.type);
        archive_entry_set_perm(e.get(), entry.mode);
        archive_entry_set_nlink(e.get(), entry.type == AE_IFDIR ? 2 : 1);
        if (entry.type == AE_IFLNK) archive_entry_set_symlink(e.get(), entry.data.c_str());
        if (entry.type == AE_IFCHR)
            archive_entry_set_rdev(e.get(), makedev(entry.major, entry.minor));
        archive_entry_set_size(e.get(), entry.type == AE_IFREG ? entry.data.size() : 0);
        if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK)
            return util::fail(fmt::format("cpio: {}", archive_error_string(a.get())), entry.path);
        if (entry.type == AE_IFREG &&
            archive_write_data(a.get(), entry.data.data(), entry.data.size()) < 0)
            return util::fail(fmt::format("cpio: {}", archive_error_string(a.get())), entry.path);
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK)
        return util::fail(fmt::format("cpio: {}", archive_error_string(a.get())));
    return out;
}

} // namespace wslmod::verify
