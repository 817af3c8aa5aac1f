#include "cli/install.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/verify.h"
#include "cli/windows_options.h"
#include "image/disk_image.h"
#include "image/ext4_reader.h"
#include "image/file_source.h"
#include "kernel/bzimage.h"
#include "kernel/modinfo.h"
#include "kernel/prepare.h"
#include "recipe/manifest.h"
#include "util/file.h"
#include "verify/boot_check.h"

namespace wslmod::cli {
namespace {
namespace fs = std::filesystem;

const char* shutdown_hint = "WSL reads .wslconfig when its VM starts: run `wsl --shutdown` from PowerShell or cmd, "
                            "then start your distro again";

// Refuses WSL older than 2.5.1, naming the failure the user would otherwise meet.
util::Result<wsl::WslVersion> check_wsl_version(const wsl::Windows& windows) {
    auto v = WSLMOD_TRY(windows.wsl_version());
    if (!wsl::supports_kernel_modules(v))
        return util::bad_input(
            fmt::format("WSL {} is older than 2.5.1: it reads kernelModules= as a boolean, so with it set every distro "
                        "fails to start with \"Invalid boolean value\"", v.text),
            windows.options().wsl_exe + " --version", "update WSL (`wsl --update` from PowerShell), then install again");
    return v;
}

// The release an image is for, after checking its structure and its ext4.
util::Result<std::string> checked_image_release(const fs::path& image) {
    auto disk = WSLMOD_TRY(image::open_disk_image(image));
    if (disk.format == image::DiskFormat::raw)
        return util::bad_input("not a VHDX or VHD image", image.string(), "install the modules.vhdx that `wslmod build` wrote");
    auto fs = WSLMOD_TRY(image::Ext4Reader::open(disk.device(), image.string()));
    WSLMOD_TRY(fs->check());
    auto src = WSLMOD_TRY(image::open_file_source(image));
    return kernel::modules_release(*src);
}

util::Result<std::string> kernel_release(const fs::path& kernel) {
    auto bytes = WSLMOD_TRY(util::read_bytes(kernel));
    return WSLMOD_TRY(kernel::parse_bzimage(bytes, kernel.string())).release;
}

nlohmann::json generation_json(const wsl::Generation& g) {
    return {{"id", g.id}, {"release", g.release}, {"kernel", g.kernel}, {"modules", g.modules},
            {"image_sha256", g.image_sha256}, {"kernel_sha256", g.kernel_sha256}, {"installed_at", g.installed_at}};
}

} // namespace

Action setup_install(CLI::App& app) {
    struct Options {
        std::string image, stock_kernel, load, cache_text;
        bool force = false, no_verify = false;
    };
    auto opt = std::make_shared<Options>();
    auto win = add_windows_options(app);
    app.add_option("IMAGE", opt->image, "The modules image; default: the project's output (wslmod.toml)");
    app.add_option("--stock-kernel", opt->stock_kernel,
                   "The stock kernel the image is for; default: WSL's tools\\kernel");
    app.add_option("--load", opt->load, "Also set loadKernelModules= (modules WSL loads at boot, comma-separated)");
    app.add_flag("--force", opt->force, "Install an image that was rolled back from, or replace a kernel= wslmod did not set");
    app.add_flag("--no-verify", opt->no_verify, "Do not boot the stock kernel with the image first (the default when "
                                                "qemu-system-x86_64 is installed)");
    app.add_option("--cache", opt->cache_text, "Cache folder for the boot check; default ~/.cache/wslmod");
    return [opt, win](const Context& ctx) -> util::Result<int> {
        wsl::Windows windows(*win, *ctx.runner);
        auto version = WSLMOD_TRY(check_wsl_version(windows));
        fs::path image = opt->image;
        if (image.empty()) {
            if (!fs::exists(recipe::manifest_name))
                return util::bad_input("no image named and no wslmod.toml here", "IMAGE",
                                       "pass the modules.vhdx, or run in a project folder");
            image = WSLMOD_TRY(recipe::load_manifest(recipe::manifest_name)).output;
        }
        if (!fs::exists(image))
            return util::bad_input("the image does not exist", image.string(), "run `wslmod build` first");
        auto release = WSLMOD_TRY(checked_image_release(image));
        fs::path kernel = opt->stock_kernel;
        if (kernel.empty()) kernel = WSLMOD_TRY(windows.tools()) / "kernel";
        if (!fs::exists(kernel))
            return util::bad_input("the stock kernel is not there", kernel.string(),
                                   "pass --stock-kernel, or set WSLMOD_WSL_TOOLS to WSL's tools folder");
        auto kr = WSLMOD_TRY(kernel_release(kernel));
        if (kr != release)
            return util::bad_input(fmt::format("the image is for {} but the stock kernel is {}", release, kr), kernel.string(),
                                   "WSL's kernel changed since the build (a WSL update?): run `wslmod build`, then install again");
        // Before .wslconfig is touched: do the added modules load in this very kernel?
        nlohmann::json checked;
        if (!opt->no_verify) {
            auto src = WSLMOD_TRY(image::open_file_source(image));
            auto added = verify::recorded_added(*src);
            // Said once, on stderr (in the JSON document with --json).
            auto skipped = [&](const std::string& why) {
                checked = {{"skipped", why}};
                if (!ctx.json) *ctx.err << "wslmod: note: " << why << "\n";
            };
            if (!util::find_program("qemu-system-x86_64")) {
                skipped("qemu-system-x86_64 is not here, so the image was not boot-tested first (apt install "
                        "qemu-system-x86; --no-verify silences this)");
            } else if (!added) {
                skipped(added.error().message() + ": not boot-tested");
            } else {
                auto cache = opt->cache_text.empty() ? kernel::default_cache() : fs::path(opt->cache_text);
                auto check = WSLMOD_TRY(boot_check_image(ctx, image, kernel, *added, cache));
                if (!check.ok()) {
                    if (!ctx.json) print_check(*ctx.err, check, image);
                    auto e = check_failure(check, image);
                    e.hint += "; .wslconfig was not changed (--no-verify installs it anyway)";
                    return tl::unexpected(e);
                }
                checked = check_json(check);
                if (!ctx.json) print_check(*ctx.out, check, image);
            }
        }
        auto target = WSLMOD_TRY(install_target(windows));
        wsl::InstallRequest req{fs::absolute(image), fs::absolute(kernel), release, std::nullopt, opt->force};
        if (!opt->load.empty()) req.load_modules = opt->load;
        auto r = WSLMOD_TRY(wsl::install(target, req));
        if (wsl::may_deny_vhds_under_users(version) && r.generation.modules.find("\\Users\\") != std::string::npos)
            r.warnings.push_back(fmt::format("WSL {} may refuse a modules image under C:\\Users (HCS/E_ACCESSDENIED, "
                                             "microsoft/WSL#40482): if WSL then fails to start, `wsl --update`, or set "
                                             "WSLMOD_INSTALL_DIR=C:\\wslmod and install again", version.text));
        for (const auto& w : r.warnings) *ctx.err << "wslmod: warning: " << w << "\n";
        if (ctx.json) {
            ctx.emit_json({{"installed", generation_json(r.generation)}, {"unchanged", r.unchanged}, {"warnings", r.warnings},
                           {"wslconfig", target.wslconfig.string()}, {"wsl_version", version.text},
                           {"pruned", r.pruned}, {"verify", checked}, {"next", "wsl --shutdown"}});
            return 0;
        }
        auto& out = *ctx.out;
        if (r.unchanged)
            out << fmt::format("already installed: generation {} ({}) is current\n", r.generation.id, release);
        else
            out << fmt::format("installed generation {} for {}\n", r.generation.id, release);
        out << "  .wslconfig     " << target.wslconfig.string() << "\n"
            << "  kernel=        " << r.generation.kernel << "\n"
            << "  kernelModules= " << r.generation.modules << "\n";
        if (!r.unchanged) out << shutdown_hint << ".\n";
        return 0;
    };
}

Action setup_rollback(CLI::App& app) {
    auto win = add_windows_options(app);
    return [win](const Context& ctx) -> util::Result<int> {
        wsl::Windows windows(*win, *ctx.runner);
        auto target = WSLMOD_TRY(install_target(windows));
        auto r = WSLMOD_TRY(wsl::rollback(target));
        for (const auto& w : r.warnings) *ctx.err << "wslmod: warning: " << w << "\n";
        if (ctx.json) {
            ctx.emit_json({{"from", generation_json(r.from)}, {"to", r.to ? generation_json(*r.to) : nlohmann::json()},
                           {"byte_identical", r.byte_identical}, {"marked_bad", r.from.image_sha256}});
            return 0;
        }
        auto& out = *ctx.out;
        out << fmt::format("rolled back from generation {} ({}); its image is marked bad\n", r.from.id, r.from.release);
        if (r.to)
            out << fmt::format("now generation {} ({}): {}\n", r.to->id, r.to->release, r.to->modules);
        else
            out << "now the .wslconfig from before the first install\n";
        if (!r.byte_identical)
            *ctx.err << "note: .wslconfig was edited since the install, so only kernel=, kernelModules= and "
                        "loadKernelModules= were put back\n";
        out << shutdown_hint << ".\n";
        return 0;
    };
}

Action setup_uninstall(CLI::App& app) {
    auto win = add_windows_options(app);
    return [win](const Context& ctx) -> util::Result<int> {
        wsl::Windows windows(*win, *ctx.runner);
        auto target = WSLMOD_TRY(install_target(windows));
        auto r = WSLMOD_TRY(wsl::uninstall(target));
        for (const auto& w : r.warnings) *ctx.err << "wslmod: warning: " << w << "\n";
        if (ctx.json) {
            ctx.emit_json({{"restored_bytes", r.restored_bytes}, {"original_absent", r.original_absent}, {"leftovers", r.leftovers},
                           {"generations_removed", r.generations_removed}, {"wslconfig", target.wslconfig.string()}});
            return 0;
        }
        auto& out = *ctx.out;
        if (r.leftovers) {
            out << "removed what an interrupted uninstall left in " << target.root.string() << "\n";
            return 0;
        }
        if (!r.restored_bytes)
            out << "put back kernel=, kernelModules= and loadKernelModules= as they were before the first install "
                   "(the rest of .wslconfig was edited since, and stays)\n";
        else if (r.original_absent)
            out << "removed .wslconfig (there was none before wslmod)\n";
        else
            out << "restored .wslconfig as it was before the first install\n";
        out << fmt::format("removed {} generation(s) and {}\n", r.generations_removed, target.root.string());
        out << shutdown_hint << ".\n";
        return 0;
    };
}

} // namespace wslmod::cli
