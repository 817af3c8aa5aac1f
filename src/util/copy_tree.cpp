#include "util/copy_tree.h"

#include <fmt/format.h>

namespace wslmod::util {
namespace fs = std::filesystem;

Result<void> links_stay_inside(const fs::path& root, const std::string& what,
                               const std::string& shown) {
    std::error_code ec;
    auto real_root = fs::canonical(root, ec);
    if (ec) return fail(fmt::format("cannot resolve {}: {}", what, ec.message()), root.string());
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_symlink()) continue;
        std::error_code e2;
        auto real = fs::weakly_canonical(it->path(), e2);
        auto rel = real.lexically_relative(real_root);
        if (e2 || rel.empty() || *rel.begin() == "..")
            return bad_input(
                fmt::format("symlink '{}' in {} points outside it (to '{}', through other links)",
                            it->path().lexically_relative(root).string(), what, real.string()),
                shown.empty() ? it->path().string()
                              : (fs::path(shown) / it->path().lexically_relative(root)).string(),
                "copy the file in instead of linking to it");
    }
    if (ec) return fail(fmt::format("cannot read {}: {}", what, ec.message()), root.string());
    return {};
}

Result<void> copy_tree(const fs::path& from, const fs::path& to, const std::string& what) {
    std::error_code ec;
    if (fs::is_symlink(from, ec))
        return bad_input(fmt::format("{} is a symlink", what), from.string(),
                         "point at the real folder, inside the recipe");
    if (!fs::is_directory(from, ec))
        return bad_input(fmt::format("{} is not a folder", what), from.string());
    for (fs::recursive_directory_iterator it(from, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_symlink()) continue;
        auto target = fs::read_symlink(it->path(), ec).string();
        auto rel = it->path().parent_path().lexically_relative(from);
        auto joined = (rel / target).lexically_normal();
        if (target.empty() || target.front() == '/' || (!joined.empty() && *joined.begin() == ".."))
            return bad_input(fmt::format("symlink '{}' in {} points outside it (to '{}')",
                                         it->path().lexically_relative(from).string(), what,
                                         target),
                             it->path().string(), "copy the file in instead of linking to it");
    }
    if (ec) return fail(fmt::format("cannot read {}: {}", what, ec.message()), from.string());
    fs::create_directories(to.parent_path(), ec);
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    if (ec) return fail(fmt::format("cannot copy {}: {}", what, ec.message()), from.string());
    return links_stay_inside(to, what, from.string());
}

} // namespace wslmod::util
