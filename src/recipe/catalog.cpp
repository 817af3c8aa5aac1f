#include "recipe/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

namespace wslmod::recipe {
std::vector<std::filesystem::path> shipped_candidates(const std::string& folder,
                                                      const char* env_var) {
    if (const char* env = std::getenv(env_var); env && *env) return {env};
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec)
        out.push_back(
            (exe.parent_path().parent_path() / "share/wslmod" / folder).lexically_normal());
    if (std::string built_from = WSLMOD_BUILT_FROM; !built_from.empty())
        out.push_back(std::filesystem::path(built_from) / folder);
    return out;
}

std::filesystem::path shipped_dir(const std::string& folder, const char* env_var) {
    std::error_code ec;
    for (const auto& candidate : shipped_candidates(folder, env_var))
        if (std::filesystem::is_directory(candidate, ec)) return candidate;
    return {};
}

namespace {
std::string joined(const std::vector<std::filesystem::path>& dirs) {
    std::string out;
    for (const auto& d : dirs)
        out += (out.empty() ? "" : ", ") + d.string();
    return out;
}
} // namespace

util::Result<std::filesystem::path> find_shipped_dir(const std::string& folder,
                                                     const char* env_var) {
    if (auto dir = shipped_dir(folder, env_var); !dir.empty()) return dir;
    return util::fail(fmt::format("wslmod's shipped {} folder was not found", folder),
                      fmt::format("searched {}", joined(shipped_candidates(folder, env_var))),
                      fmt::format("reinstall wslmod, or set {} to the folder", env_var));
}

std::vector<std::filesystem::path> search_path(const std::filesystem::path& project_dir) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    auto add = [&](const std::filesystem::path& p) {
        if (!p.empty() && std::filesystem::is_directory(p, ec)) out.push_back(p);
    };
    add(project_dir / "recipes");
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
        add(std::filesystem::path(x) / "wslmod/recipes");
    else if (const char* home = std::getenv("HOME"); home && *home)
        add(std::filesystem::path(home) / ".config/wslmod/recipes");
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

util::Result<Recipe> find_recipe(const std::vector<std::filesystem::path>& path,
                                 const std::string& name) {
    WSLMOD_CHECK(check_recipe_name(name, "recipe name"));
    for (const auto& dir : path)
        if (std::filesystem::exists(dir / name / "recipe.toml")) return load_recipe(dir / name);
    // Name every folder searched, including the shipped ones that are not there: a missing
    // shipped folder is the usual reason a shipped recipe is not found.
    std::vector<std::filesystem::path> searched = path;
    if (shipped_dir("module-recipes", "WSLMOD_SHIPPED_RECIPES").empty())
        for (auto& c : shipped_candidates("module-recipes", "WSLMOD_SHIPPED_RECIPES"))
            searched.push_back(c.string() + " (missing)");
    return util::bad_input(fmt::format("no recipe named '{}'", name),
                           searched.empty() ? "recipe search path" : "searched " + joined(searched),
                           "see `wslmod recipe list`");
}

} // namespace wslmod::recipe
