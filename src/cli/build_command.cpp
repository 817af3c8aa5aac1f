#include "cli/build_command.h"

#include <memory>
#include <ostream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/kernel_prepare.h"
#include "cli/recipe_build.h"
#include "cli/verify.h"
#include "project/boot.h"
#include "project/inputs.h"
#include "recipe/manifest.h"

namespace wslmod::cli {
namespace {

nlohmann::json or_null(const std::optional<std::string>& s) {
    return s ? nlohmann::json(*s) : nlohmann::json();
}

util::Result<int> report_failure(const Context& ctx, const project::BuildReport& report) {
    if (ctx.json) {
        nlohmann::json doc{{"release", report.release},
                           {"builds", report.builds},
                           {"failed", report.failures},
                           {"skipped", report.skipped},
                           {"image", nullptr}};
        if (report.checked) doc["verify"] = project::check_json(*report.checked);
        doc["seconds"] = util::timings_json(report.seconds);
        ctx.emit_json(doc);
    } else if (report.checked) {
        print_check(*ctx.err, *report.checked, report.rejected);
    }
    ctx.print_timings("build", report.seconds);
    return tl::unexpected(*report.failure);
}

} // namespace

nlohmann::json headers_json(const kernel::Headers& h) {
    return {{"release", h.release},    {"arch", h.srcarch}, {"files", h.files},
            {"symlinks", h.symlinks},  {"bytes", h.bytes},  {"stripped", h.stripped},
            {"cache_hit", h.cache_hit}};
}

util::Result<int> report_build(const Context& ctx, const project::BuildReport& report) {
    if (report.failure) return report_failure(ctx, report);
    const auto& r = *report.image;
    if (ctx.json) {
        auto doc = modules::to_json(r);
        doc["warnings"] = report.warnings;
        doc["headers"] = report.headers ? headers_json(*report.headers) : nlohmann::json();
        if (report.headers) doc["headers"]["at"] = report.headers_at;
        ctx.emit_json(
            {{"release", report.release},
             {"tree", report.tree.string()},
             {"builds", report.builds},
             {"failed", report.failures},
             {"skipped", report.skipped},
             {"image", doc},
             {"lock", report.lock_file.empty() ? nlohmann::json()
                                               : nlohmann::json(report.lock_file.string())},
             {"verify", report.checked ? project::check_json(*report.checked) : nlohmann::json()},
             {"wslconfig",
              {{"kernel", or_null(report.kernel_windows)},
               {"kernelModules", or_null(report.image_windows)}}},
             {"seconds", util::timings_json(report.seconds)}});
        ctx.print_timings("build", report.seconds);
        return 0;
    }
    for (const auto& w : report.warnings)
        ctx.warn(w);
    auto& out = *ctx.out;
    out << r.output.string() << "\n";
    out << fmt::format("  release   {}\n  sha256    {}\n", r.release, r.sha256);
    out << fmt::format("  modules   {} in all: {} stock unchanged, {} added, {} replaced\n",
                       r.modules, r.unchanged, r.added.size(), r.replaced.size());
    std::set<std::string> replacing;
    for (const auto& x : r.replaced)
        replacing.insert(x.path);
    for (const auto& a : r.added)
        if (!replacing.count(a.path))
            out << fmt::format("  added     {:<24} {} ({})\n", a.name, a.path, a.recipe);
    for (const auto& x : r.replaced)
        out << fmt::format("  replaced  {:<24} {} -> {} ({})\n", x.name, x.stock_path, x.path,
                           x.recipe);
    if (report.headers)
        out << fmt::format("  headers   {} files, {:.1f} MB, at {}\n", report.headers->files,
                           report.headers->bytes / 1e6, report.headers_at);
    std::string steps;
    for (const auto& [step, sec] : r.seconds)
        steps += fmt::format("{}{} {:.2f} s", steps.empty() ? "" : ", ", step, sec);
    out << "  time      " << steps << "\n";
    if (!r.previous.empty()) out << "  previous  " << r.previous.string() << "\n";
    if (!report.lock_file.empty())
        out << "  lock      " << report.lock_file.string()
            << (report.lock_matched ? " (matched)" : "") << "\n";
    if (report.checked) {
        out << "\n";
        print_check(out, *report.checked, r.output);
    }
    if (report.image_windows || report.wslpath) {
        // On WSL: install does the copying, both keys and the rollback generation.
        out << "\nTo use it: `wslmod install"
            << (report.lock_file.empty() ? " " + r.output.string() : std::string())
            << "`, then `wsl --shutdown` from PowerShell.\n";
        ctx.print_timings("build", report.seconds);
        return 0;
    }
    out << "\nTo use it, set in %USERPROFILE%\\.wslconfig (WSL 2.5.1 or later), then run `wsl "
           "--shutdown`:\n"
        << "  [wsl2]\n"
        << "  kernel=C:\\\\path\\\\to\\\\a\\\\copy\\\\of\\\\the\\\\stock\\\\kernel\n"
        << "  kernelModules=C:\\\\path\\\\to\\\\" << r.output.filename().string() << "\n"
        << "(copy " << r.output.filename().string()
        << " and the stock kernel to Windows first; WSL needs both keys, kernelModules alone is "
           "refused; "
           "on WSL, `wslmod install` does all of it)\n";
    ctx.print_timings("build", report.seconds);
    return 0;
}

Action setup_build(CLI::App& app) {
    auto opt = std::make_shared<project::BuildInputs>();
    auto& s = opt->spec;
    app.add_option(
        "NAME", opt->run.names,
        "Recipes to add: names on the search path, recipe folders or DKMS source folders");
    app.add_option("-o,--output", opt->output,
                   "The modules image to write (kept as <output>.prev when replaced)");
    app.add_option("--layout", opt->layout,
                   "flat: modules at the filesystem root (every released WSL); artifacts: "
                   "<release>/modules/")
        ->check(CLI::IsMember({"flat", "artifacts"}));
    auto* kernel_opt =
        app.add_option("--kernel", opt->tree,
                       "A prepared kernel tree (instead of --source/--config/--stock-kernel)");
    auto* source = add_kernel_spec_options(app, s, opt->allow);
    auto* stock = app.add_option("--stock-modules", opt->stock,
                                 "Stock modules to merge with: folder or VHD/VHDX image "
                                 "(WSL's tools\\modules.vhd)");
    auto* none = app.add_flag("--no-stock-modules", opt->no_stock,
                              "Build an image with the added modules only");
    stock->excludes(none);
    kernel_opt->excludes(source);
    add_recipe_options(app, opt->run);
    app.add_flag("--verify", opt->verify,
                 "Boot the stock kernel under QEMU with the new image and load every added "
                 "module; a failure keeps the previous image");
    app.add_flag("--headers", opt->headers,
                 "Carry the kernel headers in the image, so /lib/modules/<release>/build works "
                 "for make -C and DKMS (headers = true in wslmod.toml)");
    app.add_flag("--locked", opt->locked,
                 "Refuse to build unless every input matches wslmod.lock (and leave the lock "
                 "as it is)");
    return [opt](const Context& ctx) -> util::Result<int> {
        bool flags = !opt->tree.empty() || !opt->spec.source.empty();
        if (opt->locked && (flags || !std::filesystem::exists(recipe::manifest_name)))
            return util::bad_input(
                "--locked builds a project from its lock", "--locked",
                "run it in a folder with wslmod.toml and wslmod.lock, without kernel flags");
        if (!flags && std::filesystem::exists(recipe::manifest_name)) {
            if (!opt->run.names.empty())
                return util::bad_input(
                    "recipes are named in wslmod.toml here", opt->run.names.front(),
                    "add them with `wslmod add NAME`, or pass the kernel with flags");
            auto m = WSLMOD_TRY(recipe::load_manifest(recipe::manifest_name));
            auto in = WSLMOD_TRY(project::inputs_from_manifest(m, opt->run, *ctx.runner));
            if (!opt->spec.cc.empty()) in.spec.cc = opt->spec.cc; // --cc over the manifest's
            in.locked = opt->locked;
            in.verify = opt->verify;
            in.headers = in.headers || opt->headers;
            return report_build(ctx, WSLMOD_TRY(project::build(in, *ctx.runner, ctx.reporter())));
        }
        return report_build(ctx, WSLMOD_TRY(project::build(*opt, *ctx.runner, ctx.reporter())));
    };
}

} // namespace wslmod::cli
