#include "util/copy_tree.h"

#include <fmt/format.h>

namespace wslmod::util {
namespace fs = std::filesystem;

Result<void> copy_tree(const fs::path& from, const fs::path& to, const std::string& what) {
    std::error_code ec;
    if (!fs::is_directory(from, ec)) return bad_input(fmt::format("{} is not a folder", what), from.string());
    for (fs::recursive_directory_iterator it(from, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_symlink()) continue;
        auto target = fs::read_symlink(it->path(), ec).string();
        auto rel = it->path().parent_path().lexically_relative(from);
        auto joined = (rel / target).lexically_normal();
        if (target.empty() || target.front() == '/' || (!joined.empty() && *joined.begin() == ".."))
            return bad_input(fmt::format("symlink '{}' in {} points outside it (to '{}')",
                                         it->path().lexically_relative(from).string(), what, target),
                             it->path().string(), "copy the file in instead of linking to it");
    }
    if (ec) return fail(fmt::format("cannot read {}: {}", what, ec.message()), from.string());
    fs::create_directories(to.parent_path(), ec);
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    if (ec) return fail(fmt::format("cannot copy {}: {}", what, ec.message()), from.string());
    return {};
}

} // namespace wslmod::util
