#include "wsl/install_lock.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sstream>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/file.h"

namespace wslmod::wsl {
namespace fs = std::filesystem;

util::Result<InstallLock> InstallLock::take(const fs::path& root) {
    auto path = root / ".lock";
    auto me = identity();
    for (int attempt = 0; attempt < 2; ++attempt) {
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            auto line = fmt::format("{} {} {}\n", me, ::getpid(), std::time(nullptr));
            bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
            ::close(fd);
            if (!ok)
                return util::fail("cannot write the install lock", path.string(),
                                  "check free disk space");
            return InstallLock(path);
        }
        if (errno != EEXIST)
            return util::fail(
                fmt::format("cannot create the install lock: {}", std::strerror(errno)),
                path.string());
        auto held = util::read_if_exists(path).value_or("");
        if (!stale(held, me)) {
            while (!held.empty() && held.back() == '\n')
                held.pop_back();
            return util::fail(fmt::format("another wslmod is installing ({})", held), path.string(),
                              "wait for it; if none is running, delete the lock file");
        }
        std::error_code ec;
        fs::remove(path, ec);
    }
    return util::fail("cannot take the install lock", path.string(),
                      "delete it if no wslmod is running");
}

InstallLock::~InstallLock() {
    std::error_code ec;
    if (!path_.empty()) fs::remove(path_, ec);
}

// Which Linux this is: the distro and the boot (distros share a VM and its boot id but not
// their process ids).
std::string InstallLock::identity() {
    const char* distro = std::getenv("WSL_DISTRO_NAME");
    auto boot = util::read_if_exists("/proc/sys/kernel/random/boot_id").value_or("-");
    while (!boot.empty() && boot.back() == '\n')
        boot.pop_back();
    return fmt::format("{} {}", distro && *distro ? distro : "-", boot.empty() ? "-" : boot);
}

bool InstallLock::stale(const std::string& held, const std::string& me) {
    std::istringstream in(held);
    std::string distro, boot;
    long pid = 0, when = 0;
    if (!(in >> distro >> boot >> pid >> when)) return true; // half-written by a killed run
    if (std::time(nullptr) - when > 3600) return true;
    if (distro + " " + boot == me) return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
    return false;
}

} // namespace wslmod::wsl
