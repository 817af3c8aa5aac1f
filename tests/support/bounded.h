// For hostile-input tests: what a folder holds (to show that nothing outside a target changed),
// and a run under GNU time that reports peak memory and wall time.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace wslmod::test {

// Every path below `root` with its type and size ("dir", "file:<size>", "link-><target>").
std::map<std::string, std::string> listing(const std::filesystem::path& root);

struct Bounded {
    int exit_code = -1;
    std::string output; // stdout and stderr, without GNU time's own lines
    long peak_kb = 0;   // peak resident set size
    double seconds = 0;
};

// Runs `argv` in `cwd` under /usr/bin/time -f %M.
Bounded run_bounded(std::vector<std::string> argv, const std::filesystem::path& cwd = {});

} // namespace wslmod::test
