#include "util/paths.h"

namespace wslmod::util {

bool is_within(const std::filesystem::path& p, const std::filesystem::path& dir) {
    auto rel = p.lexically_normal().lexically_relative(dir.lexically_normal());
    return !rel.empty() && *rel.begin() != "..";
}

} // namespace wslmod::util
