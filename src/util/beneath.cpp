#include "util/beneath.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace wslmod::util {

bool is_component(std::string_view name) {
    return !name.empty() && name != "." && name != ".." &&
           name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

std::string quoted(std::string_view text, size_t max) {
    std::string out = "'";
    size_t shown = std::min(text.size(), max);
    for (size_t i = 0; i < shown; ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'')
            out += fmt::format("\\x{:02x}", c);
        else
            out += static_cast<char>(c);
    }
    out += "'";
    if (shown < text.size()) out += fmt::format("... ({} bytes)", text.size());
    return out;
}

Result<void> check_component(std::string_view name, const std::string& where) {
    if (is_component(name)) return {};
    return bad_input(
        fmt::format("unsafe name {}: a name must be one path component (not empty, no '/', "
                    "not '.' or '..', no NUL)",
                    quoted(name)),
        where, "the input is damaged or crafted; nothing was written outside the target folder");
}

Fd& Fd::operator=(Fd&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.release();
    }
    return *this;
}

Fd::~Fd() {
    if (fd_ >= 0) ::close(fd_);
}

Result<Beneath> Beneath::open(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(fmt::format("cannot open folder: {}", strerror(errno)), path.string());
    return Beneath(Fd(fd), path);
}

Result<void> write_all(int fd, std::string_view data, const std::string& where) {
    for (size_t done = 0; done < data.size();) {
        auto n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            return fail(fmt::format("cannot write: {}", strerror(errno)), where,
                        "check free disk space");
        done += static_cast<size_t>(n);
    }
    return {};
}

Result<Beneath> Beneath::make_dir(std::string_view name) const {
    auto where = (path_ / std::string(name)).string();
    WSLMOD_CHECK(check_component(name, path_.string()));
    std::string n(name);
    if (::mkdirat(fd_.get(), n.c_str(), 0700) != 0)
        return fail(fmt::format("cannot create folder: {}", strerror(errno)), where);
    int fd = ::openat(fd_.get(), n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fail(fmt::format("cannot open folder: {}", strerror(errno)), where);
    return Beneath(Fd(fd), path_ / n);
}

Result<Beneath> Beneath::open_dir(std::string_view name) const {
    WSLMOD_CHECK(check_component(name, path_.string()));
    std::string n(name);
    int fd = ::openat(fd_.get(), n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return fail(fmt::format("cannot open folder: {}", strerror(errno)), (path_ / n).string());
    return Beneath(Fd(fd), path_ / n);
}

Result<Beneath> Beneath::make_dirs(std::string_view path) const {
    int fd = ::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0); // a second descriptor of this folder
    if (fd < 0) return fail(fmt::format("cannot open folder: {}", strerror(errno)), path_.string());
    Beneath cur(Fd(fd), path_);
    size_t start = 0;
    while (start < path.size()) {
        auto slash = path.find('/', start);
        auto part = path.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                       : slash - start);
        start = slash == std::string_view::npos ? path.size() : slash + 1;
        WSLMOD_CHECK(check_component(part, path_.string()));
        struct stat st {};
        bool missing =
            ::fstatat(cur.fd(), std::string(part).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 &&
            errno == ENOENT;
        auto next = WSLMOD_TRY(missing ? cur.make_dir(part) : cur.open_dir(part));
        if (missing) WSLMOD_CHECK(next.set_mode(0755));
        cur = std::move(next);
    }
    return cur;
}

Result<Fd> Beneath::create_file(std::string_view name) const {
    WSLMOD_CHECK(check_component(name, path_.string()));
    std::string n(name);
    int fd =
        ::openat(fd_.get(), n.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(fmt::format("cannot create: {}", strerror(errno)), (path_ / n).string());
    return Fd(fd);
}

Result<void> Beneath::make_symlink(std::string_view name, const std::string& target) const {
    WSLMOD_CHECK(check_component(name, path_.string()));
    std::string n(name);
    if (target.find('\0') != std::string::npos)
        return bad_input("a symlink target holds a NUL byte", (path_ / n).string());
    if (::symlinkat(target.c_str(), fd_.get(), n.c_str()) != 0)
        return fail(fmt::format("cannot create symlink: {}", strerror(errno)),
                    (path_ / n).string());
    return {};
}

Result<void> Beneath::set_mode(mode_t mode) const {
    if (::fchmod(fd_.get(), mode) != 0)
        return fail(fmt::format("cannot chmod: {}", strerror(errno)), path_.string());
    return {};
}

} // namespace wslmod::util
