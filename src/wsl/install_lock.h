// The install lock: <root>/.lock, created with O_EXCL, holding "<distro> <boot id> <pid> <time>",
// so that two runs (two distros share one Windows profile) never sweep each other's work.  A
// lock whose process is gone (same distro and boot), or older than an hour, is taken over.
#pragma once

#include <filesystem>
#include <string>

#include "util/error.h"

namespace wslmod::wsl {

class InstallLock {
  public:
    static util::Result<InstallLock> take(const std::filesystem::path& root);
    InstallLock(InstallLock&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
    InstallLock& operator=(InstallLock&&) = delete;
    ~InstallLock();

  private:
    explicit InstallLock(std::filesystem::path p) : path_(std::move(p)) {}
    static std::string identity();
    static bool stale(const std::string& held, const std::string& me);
    std::filesystem::path path_;
};

} // namespace wslmod::wsl
