#include "util/atomic_file.h"
#include "util/file.h"

#include <fstream>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace wslmod::util {

Result<void> fsync_path(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(fmt::format("cannot open for fsync: {}", strerror(errno)), path.string());
    int rc = ::fsync(fd);
    int saved = errno;
    ::close(fd);
    if (rc == 0) return {};
    // WSL's drvfs (/mnt/c) turns fsync into FlushFileBuffers, which Windows refuses on a handle
    // opened read-only, and on folders altogether.  A file is flushed again through a writable
    // handle; a folder's flush is best effort there (its entries are Windows' to keep).
    bool refused =
        saved == EINVAL || saved == EACCES || saved == EPERM || saved == EBADF || saved == ENOTSUP;
    std::error_code ec;
    if (refused && std::filesystem::is_directory(path, ec)) return {};
    if (refused) {
        fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            rc = ::fsync(fd);
            saved = errno;
            ::close(fd);
            if (rc == 0) return {};
        }
    }
    return fail(fmt::format("fsync failed: {}", strerror(saved)), path.string());
}

Result<AtomicFile> AtomicFile::create(const std::filesystem::path& destination) {
    auto dir =
        destination.parent_path().empty() ? std::filesystem::path(".") : destination.parent_path();
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        return bad_input("output folder does not exist", dir.string(), "create it first");
    // fmt rather than string concatenation: GCC 12 -O3 misreports -Wrestrict on the latter.
    std::string pattern =
        fmt::format("{}/.{}.tmp.XXXXXX", dir.string(), destination.filename().string());
    int fd = ::mkstemp(pattern.data());
    if (fd < 0)
        return fail(fmt::format("cannot create a temporary file: {}", strerror(errno)), pattern);
    // mkstemp creates 0600; published files get the usual 0666 less the umask.
    mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    ::close(fd);
    return AtomicFile(destination, pattern);
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : destination_(std::move(o.destination_)), temp_(std::move(o.temp_)), committed_(o.committed_) {
    o.committed_ = true; // the moved-from object owns nothing
}

AtomicFile::~AtomicFile() {
    if (!committed_) {
        std::error_code ec;
        std::filesystem::remove(temp_, ec);
    }
}

Result<void> AtomicFile::commit(const std::filesystem::path& keep_previous) {
    WSLMOD_CHECK(fsync_path(temp_));
    std::error_code ec;
    if (!keep_previous.empty() && std::filesystem::exists(destination_, ec)) {
        std::filesystem::remove(keep_previous, ec);
        if (::link(destination_.c_str(), keep_previous.c_str()) != 0)
            return fail(fmt::format("cannot keep the previous file: {}", strerror(errno)),
                        keep_previous.string());
    }
    if (::rename(temp_.c_str(), destination_.c_str()) != 0)
        return fail(fmt::format("cannot rename into place: {}", strerror(errno)),
                    destination_.string());
    committed_ = true;
    auto dir = destination_.parent_path().empty() ? std::filesystem::path(".")
                                                  : destination_.parent_path();
    return fsync_path(dir);
}

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view data) {
    auto f = WSLMOD_TRY(AtomicFile::create(path));
    WSLMOD_CHECK(write_file(f.temp_path(), data));
    return f.commit();
}

} // namespace wslmod::util
