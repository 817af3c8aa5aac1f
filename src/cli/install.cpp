#include "cli/install.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/verify.h"
#include "cli/windows_options.h"
#include "kernel/prepare.h"
#include "project/boot.h"
#include "project/install.h"

namespace wslmod::cli {
namespace {
namespace fs = std::filesystem;

const char* shutdown_hint =
    "WSL reads .wslconfig when its VM starts: run `wsl --shutdown` from PowerShell or cmd, "
    "then start your distro again";

nlohmann::json generation_json(const wsl::Generation& g) {
    return {{"id", g.id},
            {"release", g.release},
            {"kernel", g.kernel},
            {"modules", g.modules},
            {"image_sha256", g.image_sha256},
            {"kernel_sha256", g.kernel_sha256},
            {"installed_at", g.installed_at}};
}

} // namespace

Action setup_install(CLI::App& app) {
    struct Options {
        std::string image, stock_kernel, load, cache_text;
        bool force = false, no_verify = false;
    };
    auto opt = std::make_shared<Options>();
    auto win = add_windows_options(app);
    app.add_option("IMAGE", opt->image,
                   "The modules image; default: the project's output (wslmod.toml)");
    app.add_option("--stock-kernel", opt->stock_kernel,
                   "The stock kernel the image is for; default: WSL's tools\\kernel");
    app.add_option("--load", opt->load,
                   "Also set loadKernelModules= (modules WSL loads at boot, comma-separated)");
    app.add_flag(
        "--force", opt->force,
        "Install an image that was rolled back from, or replace a kernel= wslmod did not set");
    app.add_flag("--no-verify", opt->no_verify,
                 "Do not boot the stock kernel with the image first (the default when "
                 "qemu-system-x86_64 is installed)");
    app.add_option("--cache", opt->cache_text,
                   "Cache folder for the boot check; default ~/.cache/wslmod");
    return [opt, win](const Context& ctx) -> util::Result<int> {
        project::InstallOptions o{
            opt->image,
            opt->stock_kernel,
            opt->load,
            opt->cache_text.empty() ? kernel::default_cache() : fs::path(opt->cache_text),
            opt->force,
            opt->no_verify};
        auto out = WSLMOD_TRY(project::install_image(o, *win, *ctx.runner, ctx.reporter()));
        if (out.failure) {
            if (!ctx.json) print_check(*ctx.err, *out.checked, out.image);
            return tl::unexpected(*out.failure);
        }
        if (out.checked && !ctx.json) print_check(*ctx.out, *out.checked, out.image);
        nlohmann::json checked = out.checked            ? project::check_json(*out.checked)
                                 : !out.skipped.empty() ? nlohmann::json{{"skipped", out.skipped}}
                                                        : nlohmann::json();
        const auto& r = out.installed;
        const auto& release = out.release;
        for (const auto& w : r.warnings)
            ctx.warn(w);
        if (ctx.json) {
            ctx.emit_json({{"installed", generation_json(r.generation)},
                           {"unchanged", r.unchanged},
                           {"warnings", r.warnings},
                           {"wslconfig", out.wslconfig.string()},
                           {"wsl_version", out.wsl_version},
                           {"pruned", r.pruned},
                           {"verify", checked},
                           {"next", "wsl --shutdown"}});
            return 0;
        }
        auto& text = *ctx.out;
        if (r.unchanged)
            text << fmt::format("already installed: generation {} ({}) is current\n",
                                r.generation.id, release);
        else
            text << fmt::format("installed generation {} for {}\n", r.generation.id, release);
        text << "  .wslconfig     " << out.wslconfig.string() << "\n"
             << "  kernel=        " << r.generation.kernel << "\n"
             << "  kernelModules= " << r.generation.modules << "\n";
        if (!r.unchanged) text << shutdown_hint << ".\n";
        return 0;
    };
}

Action setup_rollback(CLI::App& app) {
    auto win = add_windows_options(app);
    return [win](const Context& ctx) -> util::Result<int> {
        wsl::Windows windows(*win, *ctx.runner);
        auto target = WSLMOD_TRY(wsl::install_target(windows));
        auto r = WSLMOD_TRY(wsl::rollback(target));
        for (const auto& w : r.warnings)
            ctx.warn(w);
        if (ctx.json) {
            ctx.emit_json({{"from", generation_json(r.from)},
                           {"to", r.to ? generation_json(*r.to) : nlohmann::json()},
                           {"byte_identical", r.byte_identical},
                           {"marked_bad", r.from.image_sha256}});
            return 0;
        }
        auto& out = *ctx.out;
        out << fmt::format("rolled back from generation {} ({}); its image is marked bad\n",
                           r.from.id, r.from.release);
        if (r.to)
            out << fmt::format("now generation {} ({}): {}\n", r.to->id, r.to->release,
                               r.to->modules);
        else
            out << "now the .wslconfig from before the first install\n";
        if (!r.byte_identical)
            ctx.note(".wslconfig was edited since the install, so only kernel=, kernelModules= and "
                     "loadKernelModules= "
                     "were put back");
        out << shutdown_hint << ".\n";
        return 0;
    };
}

Action setup_uninstall(CLI::App& app) {
    auto win = add_windows_options(app);
    return [win](const Context& ctx) -> util::Result<int> {
        wsl::Windows windows(*win, *ctx.runner);
        auto target = WSLMOD_TRY(wsl::install_target(windows));
        auto r = WSLMOD_TRY(wsl::uninstall(target));
        for (const auto& w : r.warnings)
            ctx.warn(w);
        if (ctx.json) {
            ctx.emit_json({{"restored_bytes", r.restored_bytes},
                           {"original_absent", r.original_absent},
                           {"leftovers", r.leftovers},
                           {"generations_removed", r.generations_removed},
                           {"wslconfig", target.wslconfig.string()}});
            return 0;
        }
        auto& out = *ctx.out;
        if (r.leftovers) {
            out << "removed what an interrupted uninstall left in " << target.root.string() << "\n";
            return 0;
        }
        if (!r.restored_bytes)
            out << "put back kernel=, kernelModules= and loadKernelModules= as they were before "
                   "the first install "
                   "(the rest of .wslconfig was edited since, and stays)\n";
        else if (r.original_absent)
            out << "removed .wslconfig (there was none before wslmod)\n";
        else
            out << "restored .wslconfig as it was before the first install\n";
        out << fmt::format("removed {} generation(s) and {}\n", r.generations_removed,
                           target.root.string());
        out << shutdown_hint << ".\n";
        return 0;
    };
}

} // namespace wslmod::cli
