#include "recipe/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

namespace wslmod::recipe {
std::filesystem::path shipped_dir(const std::string& folder, const char* env_var) {
    if (const char* env = std::getenv(env_var); env && *env) return env;
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
    for (auto candidate : {exe.parent_path() / folder, exe.parent_path() / "share/wslmod" / folder})
        if (std::filesystem::is_directory(candidate, ec)) return candidate;
    return {};
}

std::vector<std::filesystem::path> search_path(const std::filesystem::path& project_dir) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    auto add = [&](const std::filesystem::path& p) {
        if (!p.empty() && std::filesystem::is_directory(p, ec)) out.push_back(p);
    };
    add(project_dir / "recipes");
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) add(std::filesystem::path(x) / "wslmod/recipes");
    else if (const char* home = std::getenv("HOME"); home && *home) add(std::filesystem::path(home) / ".config/wslmod/recipes");
    add(shipped_dir("module-recipes", "WSLMOD_SHIPPED_RECIPES"));
    return out;
}

util::Result<std::vector<Recipe>> list_recipes(const std::vector<std::filesystem::path>& path) {
    std::vector<Recipe> out;
    std::set<std::string> seen;
    for (const auto& dir : path) {
        std::vector<std::filesystem::path> entries;
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(dir, ec))
            if (std::filesystem::exists(e.path() / "recipe.toml")) entries.push_back(e.path());
        std::sort(entries.begin(), entries.end());
        for (const auto& e : entries) {
            if (seen.count(e.filename().string())) continue;
            out.push_back(WSLMOD_TRY(load_recipe(e)));
            seen.insert(e.filename().string());
        }
    }
    return out;
}

util::Result<Recipe> find_recipe(const std::vector<std::filesystem::path>& path, const std::string& name) {
    for (const auto& dir : path)
        if (std::filesystem::exists(dir / name / "recipe.toml")) return load_recipe(dir / name);
    std::string where;
    for (const auto& d : path) where += (where.empty() ? "" : ", ") + d.string();
    return util::bad_input(fmt::format("no recipe named '{}'", name), where.empty() ? "recipe search path" : where,
                           "see `wslmod recipe list`");
}

} // namespace wslmod::recipe
