#include "support/bounded.h"

#include <chrono>

#include "support/prereq.h"
#include "support/run.h"

namespace wslmod::test {
namespace fs = std::filesystem;

std::map<std::string, std::string> listing(const fs::path& root) {
    std::map<std::string, std::string> out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        auto st = fs::symlink_status(it->path());
        std::string what = fs::is_symlink(st)     ? "link->" + fs::read_symlink(it->path()).string()
                           : fs::is_directory(st) ? "dir"
                           : fs::is_regular_file(st)
                               ? "file:" + std::to_string(fs::file_size(it->path()))
                               : "other";
        out[it->path().lexically_relative(root).string()] = what;
    }
    return out;
}

Bounded run_bounded(std::vector<std::string> argv, const fs::path& cwd) {
    require_program("/usr/bin/time");
    argv.insert(argv.begin(), {"/usr/bin/time", "-f", "%M"});
    auto start = std::chrono::steady_clock::now();
    auto r = run_tool(argv, cwd);
    Bounded o;
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    o.exit_code = r.exit_code;
    auto text = r.output;
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    auto nl = text.rfind('\n');
    o.peak_kb = std::stol(text.substr(nl == std::string::npos ? 0 : nl + 1));
    o.output = nl == std::string::npos ? "" : text.substr(0, nl + 1);
    if (auto at = o.output.find("Command exited with non-zero status"); at != std::string::npos)
        o.output.resize(at);
    return o;
}

} // namespace wslmod::test
