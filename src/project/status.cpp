#include "project/status.h"

#include <fmt/format.h>

#include "image/file_source.h"
#include "kernel/kernel_image.h"
#include "kernel/prepare.h"
#include "project/inputs.h"
#include "recipe/catalog.h"
#include "recipe/deb_source.h"
#include "util/fetch.h"
#include "util/file.h"
#include "util/sha256.h"

namespace wslmod::project {
namespace {
namespace fs = std::filesystem;

// The kernel inputs as the manifest names them today, digested as the lock records them.
util::Result<std::map<std::string, std::string>> kernel_now(const BuildInputs& in) {
    std::map<std::string, std::string> out;
    const std::pair<const char*, std::string> named[] = {
        {"source", in.spec.source},
        {"config", in.spec.config},
        {"stock-kernel", in.spec.stock_kernel.string()},
        {"stock-modules", in.stock},
        {"symvers", in.spec.symvers.string()}};
    for (const auto& [name, p] : named) {
        if (p.empty())
            out[name] = "-";
        else if (util::is_url(p))
            continue; // fetched by digest: the lock's own value holds
        else if (p.starts_with("source:"))
            out[name] = p; // a file of the source, which its digest covers
        else if (!fs::exists(p))
            out[name] = "missing";
        else
            out[name] = WSLMOD_TRY(kernel::input_digest(p));
    }
    return out;
}

// Whether a module (dest/name, as the lock records it) is in the image, compressed or not.
bool has_module(image::FileSource& src, const std::string& prefix, const std::string& module) {
    for (const char* ext : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"})
        if (src.exists(prefix + module + ext)) return true;
    return false;
}

util::Result<StatusReport> recorded_status(const recipe::Manifest& m,
                                           const std::optional<recipe::Lock>& lock,
                                           const BuildInputs& in,
                                           const std::vector<fs::path>& path) {
    StatusReport st;
    if (!lock) {
        st.outdated.push_back("there is no wslmod.lock: the project was never built");
        return st;
    }
    st.release = lock->release;
    // Recipes: in the lock, with the same files.
    for (const auto& mr : m.recipes) {
        auto it = lock->recipes.find(mr.name);
        if (it == lock->recipes.end()) {
            st.outdated.push_back(
                fmt::format("recipe {} is in the manifest but not built", mr.name));
            continue;
        }
        auto r =
            mr.deb.empty()
                ? recipe::find_recipe(path, mr.name)
                : util::Result<recipe::Recipe>(recipe::deb_recipe(mr.name, mr.deb, mr.deb_version));
        if (!r) {
            st.outdated.push_back(r.error().message());
            continue;
        }
        auto now = WSLMOD_TRY(recipe::lock_recipe(*r));
        now.version = r->version.empty() ? it->second.version : r->version;
        now.archive = r->url.empty() ? it->second.archive : now.archive;
        if (r->source == recipe::SourceKind::deb) {
            // Without fetching: the locked package is the one asked for (any version, unless
            // one is pinned); its version and digest are the lock's own.
            const auto& was = it->second.package;
            if (r->deb_version.empty() ? was.starts_with(r->deb + "=")
                                       : was == r->deb + "=" + r->deb_version)
                now.package = was, now.version = it->second.version;
        }
        for (auto& d : recipe::recipe_differences(mr.name, it->second, now))
            st.outdated.push_back(d);
    }
    // The image: there, the locked one, with every locked module.
    std::error_code ec;
    if (!fs::exists(in.output, ec)) {
        st.outdated.push_back(fmt::format("the image {} is missing", in.output));
    } else {
        st.image_sha256 = util::to_hex(WSLMOD_TRY(util::sha256_file(in.output)));
        if (st.image_sha256 != lock->image)
            st.outdated.push_back(fmt::format("the image's sha256 {} is not the locked {}",
                                              st.image_sha256.substr(0, 12),
                                              lock->image.substr(0, 12)));
        auto src = WSLMOD_TRY(image::open_file_source(in.output));
        auto prefix = in.layout == "artifacts" ? lock->release + "/modules/" : std::string();
        for (const auto& [name, r] : lock->recipes)
            for (const auto& mod : r.modules)
                if (!has_module(*src, prefix, mod))
                    st.outdated.push_back(
                        fmt::format("module {} of {} is not in the image", mod, name));
        // The headers (image/pack.h) as [output] headers asks.
        bool headers =
            src->exists(in.layout == "artifacts" ? lock->release + "/linux-headers/Makefile"
                                                 : std::string("build/Makefile"));
        if (in.headers && !headers)
            st.outdated.push_back(
                "the image has no kernel headers, and wslmod.toml asks for them (headers = true)");
        if (!in.headers && headers)
            st.outdated.push_back("the image carries kernel headers, and wslmod.toml does not ask "
                                  "for them (headers = true in [output])");
    }
    // Stale: a kernel input changed, as after a WSL update.
    auto kernel = WSLMOD_TRY(kernel_now(in));
    for (const auto& [name, d] : kernel) {
        auto it = lock->kernel.find(name);
        if (it != lock->kernel.end() && it->second == d) continue;
        std::string what = fmt::format("the {} changed since the image was built", name);
        if (name == "stock-kernel" && d != "missing" && d != "-") {
            auto bytes = util::read_bytes(in.spec.stock_kernel);
            if (bytes) {
                auto header = kernel::parse_kernel_image(*bytes, in.spec.stock_kernel.string());
                if (header && header->release != lock->release)
                    what = fmt::format("the stock kernel is now {}, the image is for {}",
                                       header->release, lock->release);
            }
        }
        st.stale.push_back(what);
    }
    return st;
}

std::optional<Installed> installed_state(const wsl::WindowsOptions& options,
                                         util::CommandRunner& runner,
                                         const std::string& image_sha256, StatusReport& st) {
    if (options.root.empty() && !wsl::detect(options).wsl2() && !util::find_program("wslpath"))
        return std::nullopt;
    wsl::Windows windows(options, runner);
    auto target = wsl::install_target(windows);
    if (!target) return std::nullopt;
    auto state = wsl::read_state(*target);
    if (!state || !state->exists) return std::nullopt;
    Installed out;
    out.bad = state->bad;
    for (const auto& b : state->bad)
        if (b.image_sha256 == image_sha256)
            st.outdated.push_back(fmt::format("this image was rolled back from on {} (marked bad): "
                                              "rebuild, or install with --force",
                                              b.at));
    if (!state->current) return out;
    out.current = state->generations[static_cast<size_t>(*state->current)];
    out.this_image = out.current->image_sha256 == image_sha256;
    if (auto changed = wsl::stock_kernel_changed(windows, *out.current))
        st.stale.push_back(*changed);
    return out;
}

} // namespace

util::Result<StatusReport> project_status(const recipe::Manifest& m,
                                          const std::vector<std::string>& extra_recipes,
                                          const wsl::WindowsOptions& windows,
                                          util::CommandRunner& runner) {
    RecipeOptions o;
    o.extra = extra_recipes;
    // The recipes are looked up one by one, so that one missing is reported, not fatal.
    auto in = WSLMOD_TRY(kernel_inputs(m, o, runner));
    auto st = WSLMOD_TRY(image_status(m, in, extra_recipes));
    st.installed = installed_state(windows, runner, st.image_sha256, st);
    st.state = !st.stale.empty() ? "stale" : !st.outdated.empty() ? "outdated" : "current";
    return st;
}

util::Result<StatusReport> image_status(const recipe::Manifest& m, const BuildInputs& in,
                                        const std::vector<std::string>& extra_recipes) {
    std::optional<recipe::Lock> lock;
    if (fs::exists(in.lock_file)) lock = WSLMOD_TRY(recipe::load_lock(in.lock_file));
    auto st = WSLMOD_TRY(recorded_status(m, lock, in, recipe_path(extra_recipes)));
    st.image = in.output;
    st.state = !st.stale.empty() ? "stale" : !st.outdated.empty() ? "outdated" : "current";
    return st;
}

} // namespace wslmod::project
