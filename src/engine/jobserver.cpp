#include "engine/jobserver.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <regex>
#include <unistd.h>

#include <fmt/format.h>

namespace wslmod::engine {
namespace {

bool open_fd(int fd) {
    return fd >= 0 && fcntl(fd, F_GETFD) != -1;
}

// "CC=ccache gcc" as make writes it into MAKEFLAGS: spaces and backslashes escaped.
std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == ' ' || c == '\\' || c == '\t') out += '\\';
        out += c;
    }
    return out;
}

} // namespace

std::optional<unsigned> makeflags_jobs(const std::string& makeflags) {
    // Only the flags part: after " -- " come variable assignments.
    auto flags = makeflags.substr(0, makeflags.find(" -- "));
    static const std::regex jobs(R"((?:^|\s)(?:-?[A-Za-z]*j|--jobs=)([0-9]+))");
    std::smatch m;
    if (std::regex_search(flags, m, jobs)) return static_cast<unsigned>(std::stoul(m[1].str()));
    return std::nullopt;
}

util::Result<Jobserver> Jobserver::create(unsigned jobs, const std::string& makeflags) {
    Jobserver js;
    static const std::regex auth(R"(--jobserver-(?:auth|fds)=([0-9]+),([0-9]+))");
    std::smatch m;
    if (std::regex_search(makeflags, m, auth)) {
        int r = std::stoi(m[1].str()), w = std::stoi(m[2].str());
        if (open_fd(r) && open_fd(w)) {
            js.read_ = r;
            js.write_ = w;
            js.inherited_ = true;
            js.jobs_ = makeflags_jobs(makeflags).value_or(jobs);
            return js;
        }
    }
    int fds[2];
    if (pipe(fds) != 0)
        return util::fail(
            fmt::format("cannot create the jobserver pipe: {}", std::strerror(errno)));
    js.read_ = fds[0];
    js.write_ = fds[1];
    js.jobs_ = std::max(1u, jobs);
    std::string tokens(js.jobs_, '+');
    if (write(js.write_, tokens.data(), tokens.size()) != static_cast<ssize_t>(tokens.size()))
        return util::fail(fmt::format("cannot fill the jobserver pipe: {}", std::strerror(errno)));
    return js;
}

Jobserver::Jobserver(Jobserver&& o) noexcept
    : read_(o.read_), write_(o.write_), jobs_(o.jobs_), inherited_(o.inherited_) {
    o.read_ = o.write_ = -1;
}

Jobserver::~Jobserver() {
    if (inherited_) return;
    if (read_ >= 0) close(read_);
    if (write_ >= 0) close(write_);
}

void Jobserver::acquire() {
    char c;
    ssize_t n;
    do
        n = read(read_, &c, 1);
    while (n < 0 && errno == EINTR);
    // n == 0 (the pipe's writers are gone) cannot happen while we hold its write end.
}

void Jobserver::release() {
    char c = '+';
    ssize_t n;
    do
        n = write(write_, &c, 1);
    while (n < 0 && errno == EINTR);
}

std::string Jobserver::makeflags(const std::vector<std::string>& overrides) const {
    auto flags = fmt::format(" -j{} --jobserver-auth={},{}", jobs_, read_, write_);
    if (!overrides.empty()) {
        flags += " --";
        for (const auto& o : overrides)
            flags += " " + escape(o);
    }
    return flags;
}

} // namespace wslmod::engine
