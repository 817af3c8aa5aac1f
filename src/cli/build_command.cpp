#include "cli/build_command.h"

#include <memory>
#include <set>
#include <ostream>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/kernel_prepare.h"
#include "cli/recipe_build.h"
#include "cli/recipe_commands.h"
#include "cli/verify.h"
#include "image/ext4_writer.h"
#include "kernel/config.h"
#include "kernel/facts.h"
#include "kernel/prepare.h"
#include "kernel/profile.h"
#include "modules/assemble.h"
#include "modules/stock.h"
#include "recipe/catalog.h"
#include "recipe/lockfile.h"
#include "recipe/manifest.h"
#include "util/atomic_file.h"
#include "util/file.h"
#include "wsl/profile.h"

namespace wslmod::cli {
namespace {
namespace fs = std::filesystem;

// The Windows form of `p` when wslpath can tell it (on WSL), escaped for .wslconfig.
std::optional<std::string> windows_path(const fs::path& p, util::CommandRunner& runner) {
    if (!util::find_program("wslpath")) return std::nullopt;
    auto out = runner.run(util::Command({"wslpath", "-w", p.string()}));
    if (!out || out->exit_code != 0 || out->output.empty()) return std::nullopt;
    auto w = out->output.substr(0, out->output.find('\n'));
    std::string escaped;
    for (char c : w) escaped += c == '\\' ? std::string("\\\\") : std::string(1, c);
    return escaped;
}

util::Result<modules::Compression> compression_of(const fs::path& tree) {
    auto text = WSLMOD_TRY(util::read_text_decompressed(tree / ".config"));
    auto cfg = WSLMOD_TRY(kernel::parse_config(text, (tree / ".config").string()));
    return modules::compression_from_string(kernel::module_facts(cfg).compression);
}

} // namespace

util::Result<BuildInputs> inputs_from_manifest(const recipe::Manifest& m, const RecipeRunOptions& options,
                                               util::CommandRunner& runner) {
    BuildInputs in;
    in.run = options;
    in.output = m.output.string();
    in.layout = m.layout;
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
        // The tag archive is pinned by the lock once it was fetched.
        s.pin_on_first_use = true;
        if (m.source.empty() && fs::exists(in.lock_file))
            if (auto lock = recipe::load_lock(in.lock_file); lock && lock->kernel.count("source") &&
                                                              lock->kernel.at("source").size() == 64)
                s.source_sha256 = lock->kernel.at("source");
        if (m.source.empty() && s.source.empty())
            return util::bad_input(fmt::format("the stock kernel {} is not a WSL release, so its source tag is unknown", w.release),
                                   m.file.string(), "name source = \"...\" and config = \"...\" in [kernel]");
        if ((m.stock_kernel.empty() && s.stock_kernel.empty()) || (m.stock_modules.empty() && in.stock.empty()))
            return util::bad_input(fmt::format("release {} is not the installed WSL kernel, so its stock kernel and modules "
                                               "are not in WSL's tools folder", w.release),
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
    if (!m.stock_kernel.empty()) s.stock_kernel = m.stock_kernel;
    if (!m.stock_modules.empty()) in.stock = m.stock_modules;
    if (!m.symvers.empty()) s.symvers = m.symvers;
    if (!m.release.empty()) s.release = m.release;
    in.allow = m.allow_drift;
    if (in.stock.empty())
        return util::bad_input("the manifest names no stock modules", m.file.string(), "add stock-modules = \"...\" to [kernel]");
    // The recipes, in manifest order, with their pins checked against the search path.
    auto path = recipe_path(in.run.extra);
    in.run.names.clear();
    for (const auto& mr : m.recipes) {
        auto r = recipe::find_recipe(path, mr.name);
        if (!r) {
            auto e = r.error();
            e.where = fmt::format("{}:{}", m.file.string(), mr.line);
            return tl::unexpected(e);
        }
        if (mr.version != "*" && mr.version != r->version)
            return util::bad_input(fmt::format("the manifest pins {} {} but the recipe is version {}", mr.name, mr.version, r->version),
                                   fmt::format("{}:{}", m.file.string(), mr.line),
                                   fmt::format("write {} = \"{}\" or \"*\", or put version {} in recipes/{}", mr.name, r->version,
                                               mr.version, mr.name));
        in.run.names.push_back(mr.name);
    }
    return in;
}

util::Result<int> run_build(const Context& ctx, const BuildInputs& in) {
    if (in.tree.empty() && in.spec.source.empty())
        return util::bad_input("no kernel: pass --kernel TREE, or --source, --config and --stock-kernel", "--kernel",
                               "see `wslmod build --help`");
    if (in.stock.empty() && !in.no_stock)
        return util::bad_input("no stock modules: WSL mounts one modules image, so it must hold the stock modules too",
                               "--stock-modules", "pass WSL's tools\\modules.vhd (or a modules folder), or "
                                                  "--no-stock-modules for an image with only the added modules");
    if (in.verify && in.spec.stock_kernel.empty())
        return util::bad_input("--verify boots the stock kernel, and none is named", "--verify",
                               "pass --stock-kernel (with --kernel TREE too), or build a project");
    if (in.verify && !util::find_program("qemu-system-x86_64"))
        return util::bad_input("--verify boots the image under QEMU, and qemu-system-x86_64 is not here", "--verify",
                               "apt install qemu-system-x86, or build without --verify");
    auto ro = in.run;
    ro.cache = ro.resolved_cache();
    unsigned jobs = ro.jobs ? ro.jobs : std::max(1u, std::thread::hardware_concurrency());
    bool tty = !ctx.json && isatty(2);
    auto progress = [&](const std::string& step) {
        if (tty) *ctx.err << "\33[2K\r" << step << " ..." << std::flush;
    };
    auto clear = [&] { if (tty) *ctx.err << "\33[2K\r" << std::flush; };

    // The lock: what this build is made of, checked against wslmod.lock with --locked.
    recipe::Lock now;
    std::optional<recipe::Lock> locked;
    if (in.locked) {
        if (in.lock_file.empty())
            return util::bad_input("--locked needs a project", "--locked", "run it where wslmod.toml and wslmod.lock are");
        if (!fs::exists(in.lock_file))
            return util::bad_input("there is no lock to build from", in.lock_file.string(),
                                   "run `wslmod build` once without --locked to write it");
        locked = WSLMOD_TRY(recipe::load_lock(in.lock_file));
    }
    auto refuse = [&](const std::vector<std::string>& diffs) -> util::Result<void> {
        if (diffs.empty()) return {};
        std::string list;
        for (const auto& d : diffs) list += (list.empty() ? "" : "; ") + d;
        return util::bad_input("the inputs differ from the lock: " + list, in.lock_file.string(),
                               "restore them, or build without --locked to rebuild and rewrite the lock");
    };
    now.compiler = engine::compiler_identity(*ctx.runner);

    // 1. The kernel tree.
    kernel::PreparedTree prepared;
    if (!in.tree.empty()) {
        prepared = WSLMOD_TRY(kernel::open_prepared_tree(fs::absolute(in.tree).lexically_normal()));
    } else {
        auto spec = in.spec;
        for (auto sym : in.allow) spec.allow_drift.insert(sym.starts_with("CONFIG_") ? sym.substr(7) : sym);
        spec.cache = ro.cache;
        spec.jobs = jobs;
        spec.gate = [&](const kernel::InputDigests& d) -> util::Result<void> {
            now.release = d.release;
            now.toolchain = d.toolchain;
            for (const auto& [name, digest] : d.inputs) now.kernel[name] = digest;
            return locked ? refuse(recipe::kernel_differences(*locked, now)) : util::Result<void>{};
        };
        if (!in.stock.empty()) spec.stock_modules = in.stock;
        auto p = kernel::prepare_tree(spec, *ctx.runner, [&](const std::string& m) { progress("prepare: " + m); });
        clear();
        prepared = WSLMOD_TRY(std::move(p));
    }
    for (const auto& w : prepared.warnings)
        if (!ctx.json) *ctx.err << "wslmod: warning: " << w << "\n";
    if (!fs::exists(prepared.dir / "Module.symvers") || prepared.symvers_source == "none")
        return util::bad_input("the kernel tree has no Module.symvers, so depmod cannot check the modules' symbols",
                               prepared.dir.string(), "prepare it with --stock-kernel (or --symvers)");
    engine::TreeRef tree{prepared.dir, prepared.release};

    // 2. The stock modules (checked before anything is compiled).
    std::optional<modules::StockTree> stock_tree;
    if (!in.stock.empty()) {
        auto st = modules::open_stock(fs::absolute(in.stock), ro.cache, jobs, progress);
        clear();
        stock_tree = WSLMOD_TRY(std::move(st));
        if (stock_tree->release != tree.release)
            return util::bad_input(fmt::format("the stock modules are for {} but the kernel is {}", stock_tree->release,
                                               tree.release),
                                   in.stock, "pass the modules that ship with that kernel");
    }

    // 3. The recipes.
    modules::AssembleSpec as;
    nlohmann::json builds = nlohmann::json::array(), failures = nlohmann::json::array();
    ro.gate = [&](const engine::Plan& plan) -> util::Result<void> {
        for (const auto& p : plan.recipes) {
            auto lr = WSLMOD_TRY(recipe::lock_recipe(p.recipe));
            for (const auto& m : p.recipe.modules) lr.modules.push_back(m.dest + "/" + m.name);
            now.recipes[p.recipe.name] = std::move(lr);
        }
        return locked ? refuse(recipe::recipe_differences(*locked, now)) : util::Result<void>{};
    };
    if (ro.names.empty() && locked) WSLMOD_CHECK(refuse(recipe::recipe_differences(*locked, now)));
    std::vector<recipe::Recipe> planned_recipes;
    if (!ro.names.empty()) {
        auto run = WSLMOD_TRY(run_recipes(ctx, ro, tree));
        planned_recipes = run.planned;
        builds = run.builds;
        failures = run.failures;
        if (run.result.failed) {
            for (const auto& o : run.result.outcomes)
                if (o.error) *ctx.err << "wslmod: error: " << o.error->message() << "\n";
            if (ctx.json) ctx.emit_json({{"release", tree.release}, {"builds", builds}, {"failed", failures}, {"image", nullptr}});
            auto e = recipe_failure(run, ro.keep_going);
            e.hint += fmt::format("; {} was not changed", in.output);
            return tl::unexpected(e);
        }
        for (const auto& o : run.result.outcomes)
            for (const auto& m : o.build->modules) as.added.push_back({o.recipe, m.name, m.dest, m.file});
        as.replaces = run.replaces;
        for (const auto& r : run.planned)
            if (r.source == recipe::SourceKind::kernel_tree) as.in_tree[r.name] = r.kernel_tree;
    }

    if (in.after_recipes) {
        return in.after_recipes(planned_recipes, as.added);
    }

    // 4. Stage, depmod, verify, pack.
    as.stock = stock_tree ? &*stock_tree : nullptr;
    as.release = tree.release;
    as.symvers = tree.dir / "Module.symvers";
    as.compression = WSLMOD_TRY(compression_of(tree.dir));
    as.output = fs::absolute(in.output).lexically_normal();
    std::error_code ec;
    fs::create_directories(as.output.parent_path(), ec);
    as.pack.layout = in.layout == "artifacts" ? image::Layout::artifacts : image::Layout::flat;
    as.pack.epoch = WSLMOD_TRY(image::source_date_epoch());
    as.cache = ro.cache;
    as.jobs = jobs;
    auto assembled = modules::assemble_image(as, *ctx.runner, progress);
    clear();
    if (!assembled) {
        auto e = assembled.error();
        e.hint += (e.hint.empty() ? "" : "; ") + fmt::format("{} was not changed", in.output);
        return tl::unexpected(e);
    }
    const auto& r = *assembled;
    std::optional<verify::CheckReport> checked;
    if (in.verify && !r.added.empty()) {
        std::vector<std::string> names;
        for (const auto& a : r.added) names.push_back(a.name);
        auto check = boot_check_image(ctx, r.output, in.spec.stock_kernel, names, ro.cache);
        if (!check || !check->ok()) {
            // The new image goes aside and the previous one comes back, as if the build had failed.
            auto rejected = fs::path(r.output.string() + ".rejected");
            fs::rename(r.output, rejected, ec);
            if (!r.previous.empty()) fs::rename(r.previous, r.output, ec);
            if (!check) {
                auto e = check.error();
                e.hint += fmt::format("{}the new image is {}; {} is as it was", e.hint.empty() ? "" : "; ", rejected.string(),
                                      in.output);
                return tl::unexpected(e);
            }
            if (ctx.json) ctx.emit_json({{"release", tree.release}, {"builds", builds}, {"failed", failures},
                                         {"image", nullptr}, {"verify", check_json(*check)}});
            else print_check(*ctx.err, *check, rejected);
            auto e = check_failure(*check, rejected);
            e.hint += fmt::format("; {} is as it was", in.output);
            return tl::unexpected(e);
        }
        checked = *check;
    }
    if (in.on_success) WSLMOD_CHECK(in.on_success());
    now.image = r.sha256;
    std::vector<std::string> warnings = r.warnings;
    if (locked && locked->image != r.sha256)
        warnings.push_back(fmt::format("every input matches the lock, but the image's sha256 is {}, not the locked {}: "
                                       "something in the build is not reproducible (please report it)", r.sha256, locked->image));
    if (!in.lock_file.empty() && !locked) WSLMOD_CHECK(util::write_file_atomically(in.lock_file, recipe::lock_text(now)));
    auto kernel_win = in.spec.stock_kernel.empty() ? std::nullopt : windows_path(fs::absolute(in.spec.stock_kernel), *ctx.runner);
    auto image_win = windows_path(r.output, *ctx.runner);
    if (ctx.json) {
        auto doc = modules::to_json(r);
        doc["warnings"] = warnings;
        ctx.emit_json({{"release", tree.release}, {"tree", tree.dir.string()}, {"builds", builds}, {"failed", failures},
                       {"image", doc}, {"lock", in.lock_file.empty() ? nlohmann::json() : nlohmann::json(in.lock_file.string())},
                       {"verify", checked ? check_json(*checked) : nlohmann::json()},
                       {"wslconfig", {{"kernel", kernel_win ? nlohmann::json(*kernel_win) : nlohmann::json()},
                                      {"kernelModules", image_win ? nlohmann::json(*image_win) : nlohmann::json()}}}});
        return 0;
    }
    for (const auto& w : warnings) *ctx.err << "wslmod: warning: " << w << "\n";
    auto& out = *ctx.out;
    out << r.output.string() << "\n";
    out << fmt::format("  release   {}\n  sha256    {}\n", r.release, r.sha256);
    out << fmt::format("  modules   {} in all: {} stock unchanged, {} added, {} replaced\n", r.modules, r.unchanged,
                       r.added.size(), r.replaced.size());
    std::set<std::string> replacing;
    for (const auto& x : r.replaced) replacing.insert(x.path);
    for (const auto& a : r.added)
        if (!replacing.count(a.path)) out << fmt::format("  added     {:<24} {} ({})\n", a.name, a.path, a.recipe);
    for (const auto& x : r.replaced)
        out << fmt::format("  replaced  {:<24} {} -> {} ({})\n", x.name, x.stock_path, x.path, x.recipe);
    std::string steps;
    for (const auto& [step, sec] : r.seconds) steps += fmt::format("{}{} {:.2f} s", steps.empty() ? "" : ", ", step, sec);
    out << "  time      " << steps << "\n";
    if (!r.previous.empty()) out << "  previous  " << r.previous.string() << "\n";
    if (!in.lock_file.empty()) out << "  lock      " << in.lock_file.string() << (locked ? " (matched)" : "") << "\n";
    if (checked) {
        out << "\n";
        print_check(out, *checked, r.output);
    }
    if (image_win || util::find_program("wslpath")) {
        // On WSL: install does the copying, both keys and the rollback generation.
        out << "\nTo use it: `wslmod install" << (in.lock_file.empty() ? " " + r.output.string() : std::string())
            << "`, then `wsl --shutdown` from PowerShell.\n";
        return 0;
    }
    out << "\nTo use it, set in %USERPROFILE%\\.wslconfig (WSL 2.5.1 or later), then run `wsl --shutdown`:\n"
        << "  [wsl2]\n"
        << "  kernel=C:\\\\path\\\\to\\\\a\\\\copy\\\\of\\\\the\\\\stock\\\\kernel\n"
        << "  kernelModules=C:\\\\path\\\\to\\\\" << r.output.filename().string() << "\n"
        << "(copy " << r.output.filename().string()
        << " and the stock kernel to Windows first; WSL needs both keys, kernelModules alone is refused; "
           "on WSL, `wslmod install` does all of it)\n";
    return 0;
}

Action setup_build(CLI::App& app) {
    auto opt = std::make_shared<BuildInputs>();
    auto& s = opt->spec;
    app.add_option("NAME", opt->run.names, "Recipes to add: names on the search path, recipe folders or DKMS source folders");
    app.add_option("-o,--output", opt->output, "The modules image to write (kept as <output>.prev when replaced)");
    app.add_option("--layout", opt->layout, "flat: modules at the filesystem root (every released WSL); artifacts: "
                                            "<release>/modules/")
        ->check(CLI::IsMember({"flat", "artifacts"}));
    auto* kernel_opt = app.add_option("--kernel", opt->tree, "A prepared kernel tree (instead of --source/--config/--stock-kernel)");
    auto* source = add_kernel_spec_options(app, s, opt->allow);
    auto* stock = app.add_option("--stock-modules", opt->stock, "Stock modules to merge with: folder or VHD/VHDX image "
                                                                "(WSL's tools\\modules.vhd)");
    auto* none = app.add_flag("--no-stock-modules", opt->no_stock, "Build an image with the added modules only");
    stock->excludes(none);
    kernel_opt->excludes(source);
    add_recipe_options(app, opt->run);
    app.add_flag("--verify", opt->verify, "Boot the stock kernel under QEMU with the new image and load every added "
                                          "module; a failure keeps the previous image");
    app.add_flag("--locked", opt->locked, "Refuse to build unless every input matches wslmod.lock (and leave the lock "
                                          "as it is)");
    return [opt](const Context& ctx) -> util::Result<int> {
        bool flags = !opt->tree.empty() || !opt->spec.source.empty();
        if (opt->locked && (flags || !std::filesystem::exists(recipe::manifest_name)))
            return util::bad_input("--locked builds a project from its lock", "--locked",
                                   "run it in a folder with wslmod.toml and wslmod.lock, without kernel flags");
        if (!flags && std::filesystem::exists(recipe::manifest_name)) {
            if (!opt->run.names.empty())
                return util::bad_input("recipes are named in wslmod.toml here", opt->run.names.front(),
                                       "add them with `wslmod add NAME`, or pass the kernel with flags");
            auto m = WSLMOD_TRY(recipe::load_manifest(recipe::manifest_name));
            auto in = WSLMOD_TRY(inputs_from_manifest(m, opt->run, *ctx.runner));
            in.locked = opt->locked;
            in.verify = opt->verify;
            return run_build(ctx, in);
        }
        return run_build(ctx, *opt);
    };
}

} // namespace wslmod::cli
