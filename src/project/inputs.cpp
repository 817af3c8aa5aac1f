#include "project/inputs.h"

#include <fmt/format.h>

#include "kernel/profile.h"
#include "recipe/catalog.h"
#include "recipe/deb_source.h"
#include "recipe/lockfile.h"
#include "wsl/profile.h"

namespace wslmod::project {
namespace fs = std::filesystem;

util::Result<BuildInputs> inputs_from_manifest(const recipe::Manifest& m,
                                               const RecipeOptions& options,
                                               util::CommandRunner& runner) {
    BuildInputs in;
    std::string version; // the WSL version of the release, for {version}
    in.run = options;
    in.output = m.output.string();
    in.layout = m.layout;
    in.headers = m.headers;
    in.lock_file = m.dir / recipe::lock_name;
    auto& s = in.spec;
    if (m.profile == "wsl") {
        wsl::Windows windows(wsl::WindowsOptions::from_env(), runner);
        auto w = WSLMOD_TRY(wsl::wsl_profile(windows, m.release));
        s.source = w.source_url;
        s.config = w.config;
        s.stock_kernel = w.stock_kernel;
        s.release = w.release;
        in.stock = w.stock_modules.string();
        version = w.version;
        // The tag archive is pinned by the lock once it was fetched, for the release it was
        // fetched for: after a WSL update the new release's tag is pinned afresh.
        s.pin_on_first_use = true;
        if (m.source.empty() && fs::exists(in.lock_file))
            if (auto lock = recipe::load_lock(in.lock_file); lock && lock->release == w.release &&
                                                             lock->kernel.count("source") &&
                                                             lock->kernel.at("source").size() == 64)
                s.source_sha256 = lock->kernel.at("source");
        if (m.source.empty() && s.source.empty())
            return util::bad_input(
                fmt::format(
                    "the stock kernel {} is not a WSL release, so its source tag is unknown",
                    w.release),
                m.file.string(), "name source = \"...\" and config = \"...\" in [kernel]");
        if ((m.stock_kernel.empty() && s.stock_kernel.empty()) ||
            (m.stock_modules.empty() && in.stock.empty()))
            return util::bad_input(
                fmt::format(
                    "release {} is not the installed WSL kernel, so its stock kernel and modules "
                    "are not in WSL's tools folder",
                    w.release),
                m.file.string(), "name stock-kernel and stock-modules in [kernel]");
    }
    if (m.profile == "debian") {
        auto d = WSLMOD_TRY(kernel::debian_profile(m.series));
        s.source = d.source;
        s.config = d.config;
        s.stock_kernel = d.stock_kernel;
        in.stock = d.stock_modules.string();
    }
    // Explicit keys override the profile's.
    if (!m.source.empty()) s.source = m.source;
    if (!m.source_sha256.empty()) s.source_sha256 = m.source_sha256;
    if (!m.config.empty()) s.config = m.config;
    // Profile wsl: a stock-kernel or stock-modules with {release} names where the files of
    // releases other than the installed one are (bundle export --release); the installed
    // release's come from WSL's tools folder.
    bool from_tools = m.profile == "wsl" && !s.stock_kernel.empty();
    auto templated = [](const std::string& v) { return v.find("{release}") != std::string::npos; };
    if (!m.stock_kernel.empty() && !(from_tools && templated(m.stock_kernel)))
        s.stock_kernel = m.stock_kernel;
    if (!m.stock_modules.empty() && !(from_tools && templated(m.stock_modules)))
        in.stock = m.stock_modules;
    if (!m.symvers.empty()) s.symvers = m.symvers;
    if (!m.release.empty()) s.release = m.release;
    if (!m.cc.empty()) s.cc = m.cc;
    // {release} and {version} in the kernel keys follow the stock kernel (manifest.h), so a
    // local mirror keeps working after a WSL update.
    if (!s.release.empty()) {
        auto expand = [&](std::string& v) {
            v = expand_release(v, s.release, version.empty() ? s.release : version);
        };
        expand(s.source), expand(s.config), expand(in.stock);
        auto kernel = s.stock_kernel.string(), symvers = s.symvers.string();
        expand(kernel), expand(symvers);
        s.stock_kernel = kernel, s.symvers = symvers;
    }
    in.allow = m.allow_drift;
    if (in.stock.empty())
        return util::bad_input("the manifest names no stock modules", m.file.string(),
                               "add stock-modules = \"...\" to [kernel]");
    // The recipes, in manifest order, with their pins checked against the search path.
    auto path = recipe_path(in.run.extra);
    in.run.names.clear();
    for (const auto& mr : m.recipes) {
        if (!mr.deb.empty()) {
            in.run.inline_recipes[mr.name] = recipe::deb_recipe(mr.name, mr.deb, mr.deb_version);
            in.run.inline_recipes[mr.name].file = fmt::format("{}:{}", m.file.string(), mr.line);
            in.run.names.push_back(mr.name);
            continue;
        }
        auto r = recipe::find_recipe(path, mr.name);
        if (!r) {
            auto e = r.error();
            e.where = fmt::format("{}:{}", m.file.string(), mr.line);
            return tl::unexpected(e);
        }
        if (mr.version != "*" && mr.version != r->version)
            return util::bad_input(
                fmt::format("the manifest pins {} {} but the recipe is version {}", mr.name,
                            mr.version, r->version),
                fmt::format("{}:{}", m.file.string(), mr.line),
                fmt::format("write {} = \"{}\" or \"*\", or put version {} in recipes/{}", mr.name,
                            r->version, mr.version, mr.name));
        in.run.names.push_back(mr.name);
    }
    return in;
}

std::string expand_release(std::string text, const std::string& release,
                           const std::string& version) {
    for (const auto& [key, value] :
         {std::pair<std::string, const std::string&>{"{release}", release}, {"{version}", version}})
        for (size_t at = text.find(key); at != std::string::npos;
             at = text.find(key, at + value.size()))
            text.replace(at, key.size(), value);
    return text;
}

util::Result<BuildInputs> kernel_inputs(const recipe::Manifest& m, const RecipeOptions& options,
                                        util::CommandRunner& runner) {
    auto bare = m;
    bare.recipes.clear();
    return inputs_from_manifest(bare, options, runner);
}

util::Result<recipe::Manifest> manifest_here(const std::string& missing_hint) {
    if (!fs::exists(recipe::manifest_name))
        return util::bad_input("no wslmod.toml in this folder", fs::current_path().string(),
                               missing_hint);
    return recipe::load_manifest(recipe::manifest_name);
}

} // namespace wslmod::project
