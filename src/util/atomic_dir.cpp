#include "util/atomic_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "util/atomic_file.h"
#include "util/file.h"

namespace wslmod::util {
namespace fs = std::filesystem;

RemoveOnExit::~RemoveOnExit() {
    if (path_.empty()) return;
    std::error_code ec;
    if (fs::remove_all(path_, ec) != static_cast<std::uintmax_t>(-1) && !ec) return;
    for (auto it = fs::recursive_directory_iterator(path_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_directory(ec) && !it->is_symlink(ec))
            fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
}

Result<AtomicDir> AtomicDir::create(const fs::path& destination) {
    std::error_code ec;
    auto parent = destination.parent_path().empty() ? fs::path(".") : destination.parent_path();
    fs::create_directories(parent, ec);
    if (ec) return fail(fmt::format("cannot create: {}", ec.message()), parent.string());
    // The counter keeps two AtomicDirs of one process apart; the pid stays last for
    // remove_stale_temporaries().
    static std::atomic<unsigned> counter{0};
    auto temp = parent / fmt::format(".tmp-{}.{}-{}", destination.filename().string(), counter++,
                                     ::getpid());
    fs::remove_all(temp, ec); // a leftover of this very pid (a previous run that was killed)
    if (!fs::create_directory(temp, ec) || ec)
        return fail(fmt::format("cannot create: {}", ec ? ec.message() : "it exists"),
                    temp.string());
    return AtomicDir(destination, temp);
}

AtomicDir::AtomicDir(AtomicDir&& other) noexcept
    : destination_(std::move(other.destination_)), temp_(std::move(other.temp_)),
      committed_(other.committed_) {
    other.committed_ = true;
}

AtomicDir::~AtomicDir() {
    if (!committed_ && !temp_.empty()) RemoveOnExit{temp_};
}

Result<void> AtomicDir::commit(const std::string& marker) {
    // Everything written into the folder reaches the disk before the marker says it is whole:
    // one syncfs rather than an fsync per file (a kernel tree holds thousands).
    int fd = ::open(temp_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(fmt::format("cannot open: {}", std::strerror(errno)), temp_.string());
    bool synced = ::syncfs(fd) == 0;
    int err = errno;
    ::close(fd);
    if (!synced)
        return fail(fmt::format("cannot flush: {}", std::strerror(err)), temp_.string(),
                    "check free disk space");
    if (!marker.empty()) {
        WSLMOD_CHECK(write_file(temp_ / marker, ""));
        WSLMOD_CHECK(fsync_path(temp_ / marker));
    }
    WSLMOD_CHECK(fsync_path(temp_));
    std::error_code ec;
    fs::rename(temp_, destination_, ec);
    if (ec) {
        if (!marker.empty() &&
            fs::exists(destination_ / marker)) { // another process published it first
            { RemoveOnExit ours{temp_}; }
            committed_ = true;
            return {};
        }
        return fail(fmt::format("cannot move into place: {}", ec.message()), destination_.string());
    }
    committed_ = true;
    return fsync_path(destination_.parent_path().empty() ? fs::path(".")
                                                         : destination_.parent_path());
}

} // namespace wslmod::util
