#include "util/fetch.h"

#include <atomic>
#include <unistd.h>

#include <fmt/format.h>

#include "util/sha256.h"

namespace wslmod::util {

bool is_url(const std::string& location) {
    for (auto scheme : {"http://", "https://", "ftp://", "file://"})
        if (location.starts_with(scheme)) return true;
    return false;
}

Result<std::filesystem::path> fetch(const std::string& location, const std::string& sha256,
                                    const std::filesystem::path& cache, CommandRunner& runner) {
    std::error_code ec;
    if (!is_url(location)) {
        if (!std::filesystem::exists(location, ec)) return bad_input("no such file", location);
        if (!sha256.empty()) {
            auto got = to_hex(WSLMOD_TRY(sha256_file(location)));
            if (got != sha256)
                return bad_input(fmt::format("SHA-256 mismatch: expected {}, got {}", sha256, got),
                                 location, "the file is not the one that was pinned");
        }
        return std::filesystem::path(location);
    }
    auto dir = cache / "sources";
    if (!sha256.empty() && std::filesystem::exists(dir / sha256, ec)) return dir / sha256;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(fmt::format("cannot create: {}", ec.message()), dir.string());
    static std::atomic<unsigned> serial{0}; // recipes fetch from several threads at once
    auto tmp = dir / fmt::format(".download-{}-{}", ::getpid(), serial++);
    auto out =
        WSLMOD_TRY(runner.run(Command({"curl", "--fail", "--silent", "--show-error", "--location",
                                       "--retry", "2", "--output", tmp.string(), location})));
    if (out.exit_code != 0) {
        std::filesystem::remove(tmp, ec);
        auto msg = out.output.substr(0, out.output.find('\n'));
        return fail(fmt::format("download failed: {}", msg), location,
                    "check the URL and the network");
    }
    auto got = to_hex(WSLMOD_TRY(sha256_file(tmp)));
    if (!sha256.empty() && got != sha256) {
        std::filesystem::remove(tmp, ec);
        return bad_input(fmt::format("SHA-256 mismatch: expected {}, got {}", sha256, got),
                         location,
                         "the download is not the pinned file; check the URL or the pinned digest");
    }
    std::filesystem::rename(tmp, dir / got, ec);
    if (ec)
        return fail(fmt::format("cannot store the download: {}", ec.message()),
                    (dir / got).string());
    return dir / got;
}

} // namespace wslmod::util
