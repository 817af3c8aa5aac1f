#include "project/options.h"

#include <algorithm>
#include <thread>

#include "recipe/catalog.h"

namespace wslmod::project {
namespace fs = std::filesystem;

fs::path RecipeOptions::resolved_cache() const {
    return cache_text.empty() ? kernel::default_cache()
                              : fs::absolute(cache_text).lexically_normal();
}

unsigned RecipeOptions::job_count() const {
    return jobs ? jobs : std::max(1u, std::thread::hardware_concurrency());
}

std::vector<fs::path> recipe_path(const std::vector<std::string>& extra) {
    std::vector<fs::path> path(extra.begin(), extra.end());
    for (auto& p : recipe::search_path(fs::current_path()))
        path.push_back(p);
    return path;
}

kernel::PrepareSpec prepare_spec(const BuildInputs& in) {
    auto spec = in.spec;
    for (auto sym : in.allow)
        spec.allow_drift.insert(sym.starts_with("CONFIG_") ? sym.substr(7) : sym);
    spec.cache = in.run.resolved_cache();
    spec.jobs = in.run.job_count();
    if (!in.stock.empty()) spec.stock_modules = in.stock;
    return spec;
}

} // namespace wslmod::project
