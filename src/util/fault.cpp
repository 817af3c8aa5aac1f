#include "util/fault.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace wslmod::util {

void fault_point(const char* name) {
    static std::atomic<long> count{0};
    const char* at = std::getenv("WSLMOD_KILL_AT");
    if (!at || !*at) return;
    long n = ++count;
    if (n != std::atol(at)) return;
    std::fprintf(stderr, "wslmod: fault injection: killed at step %ld (%s)\n", n, name);
    std::fflush(stderr);
    ::kill(::getpid(), SIGKILL);
}

bool write_fails(std::string_view path) {
    const char* text = std::getenv("WSLMOD_FAIL_WRITES");
    return text && *text && path.find(text) != std::string_view::npos;
}

} // namespace wslmod::util
