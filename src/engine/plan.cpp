#include "engine/plan.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "recipe/dkms.h"

namespace wslmod::engine {
namespace {
constexpr size_t skipped_index = static_cast<size_t>(-1);
} // namespace

util::Result<recipe::Recipe> resolve_recipe(const recipe::Recipe& r, const TreeRef& tree,
                                            const Target& target, util::CommandRunner& runner) {
    if (r.source != recipe::SourceKind::dkms && r.source != recipe::SourceKind::deb) return r;
    if (r.dkms.empty())
        return util::fail(fmt::format("recipe {}: its package {} was not fetched", r.name, r.deb),
                          r.file.string(), "this is a bug in wslmod: fetch deb sources first");
    recipe::DkmsKernel k{tree.release, tree.dir, recipe::placeholder_kernel().dkms_tree,
                         target.arch};
    auto conf = WSLMOD_TRY(recipe::recipe_from_dkms(r.dkms, k, runner));
    recipe::Recipe out = r;
    out.dkms_name = conf.name;
    out.dkms_version = conf.version;
    // A recipe may name a DKMS source's modules (so that search finds them before anything is
    // fetched); dkms.conf still says where they go, and the two must agree.
    if (!r.modules.empty()) {
        std::set<std::string> declared, built;
        for (const auto& m : r.modules)
            declared.insert(m.name);
        for (const auto& m : conf.modules)
            built.insert(m.name);
        if (declared != built) {
            std::string names;
            for (const auto& n : built)
                names += (names.empty() ? "" : ", ") + n;
            return util::bad_input(
                fmt::format("recipe {} names other modules than its dkms.conf, which builds {}",
                            r.name, names),
                r.file.string(), "list exactly those in [build] modules, or drop the list");
        }
    }
    out.modules = conf.modules;
    if (out.command.empty()) out.command = recipe::to_placeholders(conf.command, k);
    if (out.pre_build.empty()) out.pre_build = recipe::to_placeholders(conf.pre_build, k);
    if (out.post_build.empty()) out.post_build = recipe::to_placeholders(conf.post_build, k);
    out.patches = conf.patches; // dkms.conf's PATCH[] first, then the recipe's own
    out.patches.insert(out.patches.end(), r.patches.begin(), r.patches.end());
    out.kernel.insert(out.kernel.end(), conf.kernel.begin(), conf.kernel.end());
    if (out.kernel_match.empty()) out.kernel_match = conf.kernel_match;
    if (out.arch.empty()) out.arch = conf.arch;
    out.config.insert(out.config.end(), conf.config.begin(), conf.config.end());
    for (const auto& d : conf.depends)
        if (std::find(out.depends.begin(), out.depends.end(), d) == out.depends.end())
            out.depends.push_back(d);
    return out;
}

util::Result<Plan> plan_builds(const std::vector<recipe::Recipe>& requested,
                               const RecipeLookup& lookup, const TreeRef& tree,
                               const Target& target, const std::string& compiler,
                               util::CommandRunner& runner) {
    // Closure, by name.
    std::map<std::string, recipe::Recipe> all;
    std::vector<std::string> todo;
    for (const auto& r : requested) {
        auto [it, fresh] = all.emplace(r.name, r);
        if (!fresh && it->second.dir != r.dir)
            return util::bad_input(fmt::format("two recipes are called {}: {} and {}", r.name,
                                               it->second.file.string(), r.file.string()),
                                   r.file.string(), "rename one of them");
        if (fresh) todo.push_back(r.name);
    }
    for (size_t i = 0; i < todo.size(); ++i) {
        auto r = all.at(todo[i]);
        for (const auto& d : r.depends) {
            if (all.count(d)) continue;
            auto dep = lookup(d);
            if (!dep)
                return util::bad_input(
                    fmt::format("recipe {} depends on '{}', which cannot be loaded: {}", r.name, d,
                                dep.error().what),
                    r.file.string(), "add that recipe or fix depends");
            all.emplace(d, *dep);
            todo.push_back(d);
        }
    }

    // Order, depth first; a name met again while still on the path closes a cycle.
    Plan plan;
    std::map<std::string, size_t> placed;
    std::vector<std::string> path;
    std::function<util::Result<size_t>(const std::string&)> visit =
        [&](const std::string& name) -> util::Result<size_t> {
        if (auto it = placed.find(name); it != placed.end()) return it->second;
        if (auto on = std::find(path.begin(), path.end(), name); on != path.end()) {
            std::string cycle;
            for (auto it = on; it != path.end(); ++it)
                cycle += *it + " -> ";
            return util::bad_input(fmt::format("dependency cycle: {}{}", cycle, name),
                                   all.at(name).file.string(), "remove one of these depends");
        }
        path.push_back(name);
        const auto& r = all.at(name);
        std::vector<size_t> deps;
        for (const auto& d : r.depends)
            deps.push_back(WSLMOD_TRY(visit(d)));
        path.pop_back();
        auto resolved = WSLMOD_TRY(resolve_recipe(r, tree, target, runner));
        if (auto ok = check_requirements(resolved, target); !ok) {
            if (r.source != recipe::SourceKind::dkms && r.source != recipe::SourceKind::deb)
                return tl::unexpected(ok.error());
            plan.skipped.push_back(
                {name, "its dkms.conf includes a BUILD_EXCLUSIVE directive which does not match "
                       "this kernel/arch/config (" +
                           ok.error().what + ")"});
            placed[name] = skipped_index;
            return skipped_index;
        }
        std::vector<std::string> dep_keys;
        for (size_t i = 0; i < deps.size(); ++i) {
            if (deps[i] == skipped_index)
                return util::bad_input(fmt::format("recipe {} depends on {}, which is skipped: {}",
                                                   name, r.depends[i], plan.skipped.back().reason),
                                       r.file.string(), "build for a kernel both support");
            dep_keys.push_back(plan.recipes[deps[i]].key);
        }
        auto key = WSLMOD_TRY(recipe_key(resolved, tree, compiler, dep_keys));
        plan.recipes.push_back({std::move(resolved), deps, key, false});
        placed[name] = plan.recipes.size() - 1;
        return plan.recipes.size() - 1;
    };
    for (const auto& r : requested)
        if (auto i = WSLMOD_TRY(visit(r.name)); i != skipped_index)
            plan.recipes[i].requested = true;

    // One module name, one recipe.
    std::map<std::string, std::string> owner;
    for (const auto& p : plan.recipes)
        for (const auto& m : p.recipe.modules) {
            auto key = m.name; // the kernel treats '-' and '_' in module names alike
            std::replace(key.begin(), key.end(), '-', '_');
            auto [it, fresh] = owner.emplace(key, p.recipe.name);
            if (!fresh)
                return util::bad_input(
                    fmt::format("module {} comes from both recipe {} and recipe {}", m.name,
                                it->second, p.recipe.name),
                    p.recipe.file.string(), "build only one of them");
        }
    return plan;
}

} // namespace wslmod::engine
