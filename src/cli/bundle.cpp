#include "cli/bundle.h"

#include <memory>
#include <ostream>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/build_command.h"
#include "cli/recipe_build.h"
#include "image/ext4_writer.h"
#include "image/file_source.h"
#include "kernel/bzimage.h"
#include "kernel/config.h"
#include "kernel/facts.h"
#include "kernel/symvers.h"
#include "modules/assemble.h"
#include "modules/stock.h"
#include "recipe/bundle.h"
#include "recipe/bundle_import.h"
#include "recipe/lockfile.h"
#include "recipe/manifest.h"
#include "util/paths.h"
#include "util/atomic_dir.h"
#include "util/atomic_file.h"
#include "util/beneath.h"
#include "util/fetch.h"
#include "util/file.h"

namespace wslmod::cli {
namespace {
namespace fs = std::filesystem;

// Every file below `dir` as bundle entries below `prefix`.
util::Result<void> add_folder(const fs::path& dir, const std::string& prefix, std::vector<recipe::BundleFile>& out) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; it != end; it.increment(ec)) {
        if (ec) break;
        if (it->is_symlink())
            return util::bad_input("a bundle carries no symlinks", it->path().string(), "replace the link by the file");
        if (it->is_regular_file()) out.push_back({prefix + it->path().lexically_relative(dir).generic_string(), it->path()});
    }
    if (ec) return util::fail(fmt::format("cannot read: {}", ec.message()), dir.string());
    return {};
}

// The release of the stock kernel the inputs name (or the explicit release).
util::Result<std::string> release_here(const BuildInputs& in) {
    if (!in.spec.stock_kernel.empty()) {
        auto bytes = WSLMOD_TRY(util::read_bytes(in.spec.stock_kernel));
        return WSLMOD_TRY(kernel::parse_bzimage(bytes, in.spec.stock_kernel.string())).release;
    }
    if (!in.spec.release.empty()) return in.spec.release;
    return util::bad_input("the manifest names no stock kernel and no release", recipe::manifest_name,
                           "add stock-kernel = \"...\" to [kernel]");
}

// The image from the bundled modules: stock modules, a Module.symvers recovered from the stock
// kernel (or the manifest's), and the modules as the lock lists them.  No make runs.
util::Result<modules::ImageReport> assemble_from_bundle(const Context& ctx, const BuildInputs& in, const recipe::Lock& lock,
                                                        const fs::path& work, const fs::path& cache, unsigned jobs) {
    auto stock = WSLMOD_TRY(modules::open_stock(fs::absolute(in.stock), cache, jobs));
    if (stock.release != lock.release)
        return util::bad_input(fmt::format("the stock modules are for {} but the bundle is for {}", stock.release, lock.release),
                               in.stock, "pass the modules that ship with that kernel");
    auto symvers = work / "Module.symvers";
    if (!in.spec.symvers.empty()) {
        symvers = in.spec.symvers;
    } else {
        auto bytes = WSLMOD_TRY(util::read_bytes(in.spec.stock_kernel));
        auto lines = WSLMOD_TRY(kernel::symvers_from_bzimage(bytes, in.spec.stock_kernel.string()));
        auto src = WSLMOD_TRY(image::open_file_source(in.stock));
        auto more = WSLMOD_TRY(kernel::symvers_from_modules(*src, jobs));
        lines.insert(lines.end(), more.begin(), more.end());
        WSLMOD_CHECK(util::write_file_atomically(symvers, kernel::format_symvers(std::move(lines))));
    }
    auto config_text = WSLMOD_TRY(util::read_text_decompressed(in.spec.config));
    auto config = WSLMOD_TRY(kernel::parse_config(config_text, in.spec.config));

    modules::AssembleSpec as;
    as.stock = &stock;
    as.release = lock.release;
    as.symvers = symvers;
    as.compression = WSLMOD_TRY(modules::compression_from_string(kernel::module_facts(config).compression));
    for (const auto& [name, locked] : lock.recipes) {
        auto r = WSLMOD_TRY(recipe::load_recipe(work / "recipes" / name));
        as.replaces[name] = r.replaces;
        if (r.source == recipe::SourceKind::kernel_tree) as.in_tree[name] = r.kernel_tree;
        for (const auto& m : locked.modules) {
            auto slash = m.rfind('/');
            auto dest = slash == std::string::npos ? std::string() : m.substr(0, slash);
            auto mod = m.substr(slash + 1);
            as.added.push_back({name, mod, dest, work / "modules" / name / (m + ".ko")});
        }
    }
    as.output = fs::absolute(in.output).lexically_normal();
    std::error_code ec;
    fs::create_directories(as.output.parent_path(), ec);
    as.pack.layout = in.layout == "artifacts" ? image::Layout::artifacts : image::Layout::flat;
    as.pack.epoch = WSLMOD_TRY(image::source_date_epoch());
    as.cache = cache;
    as.jobs = jobs;
    return modules::assemble_image(as, *ctx.runner);
}

} // namespace

Action setup_bundle_export(CLI::App& app) {
    struct Options {
        RecipeRunOptions run;
        std::string output;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("-o,--output", opt->output, "The bundle to write (default: <project folder>.wslmod.tar.zst)");
    add_recipe_options(app, opt->run);
    return [opt](const Context& ctx) -> util::Result<int> {
        if (!fs::exists(recipe::manifest_name))
            return util::bad_input("no wslmod.toml in this folder", fs::current_path().string(), "run it in a project");
        auto m = WSLMOD_TRY(recipe::load_manifest(recipe::manifest_name));
        auto in = WSLMOD_TRY(inputs_from_manifest(m, opt->run, *ctx.runner));
        in.locked = true; // the bundle is exactly what the lock says
        auto out = opt->output.empty() ? fs::current_path() / (fs::current_path().filename().string() + ".wslmod.tar.zst")
                                       : fs::absolute(opt->output);
        size_t module_count = 0, recipe_count = 0;
        in.after_recipes = [&](const std::vector<recipe::Recipe>& planned,
                               const std::vector<modules::AddedModule>& added) -> util::Result<int> {
            std::vector<recipe::BundleFile> files{{"wslmod.toml", m.file}, {"wslmod.lock", in.lock_file}};
            for (const auto& r : planned) {
                for (const auto& src : {r.path, r.dkms})
                    if (!src.empty() && !util::is_within(src, r.dir) && src != r.dir)
                        return util::bad_input(fmt::format("recipe {} builds from {}, outside its folder", r.name, src.string()),
                                               r.file.string(), "copy the source into the recipe (`wslmod recipe import-dkms`)");
                WSLMOD_CHECK(add_folder(r.dir, "recipes/" + r.name + "/", files));
            }
            for (const auto& a : added)
                files.push_back({fmt::format("modules/{}/{}/{}.ko", a.recipe, a.dest, a.name), a.file});
            WSLMOD_CHECK(recipe::write_bundle(out, files));
            module_count = added.size();
            recipe_count = planned.size();
            return 0;
        };
        auto rc = WSLMOD_TRY(run_build(ctx, in));
        if (rc != 0) return rc;
        if (ctx.json) {
            ctx.emit_json({{"bundle", out.string()}, {"recipes", recipe_count}, {"modules", module_count}});
        } else {
            *ctx.out << fmt::format("{}\n  {} recipes, {} modules, with wslmod.toml, wslmod.lock and SHA256SUMS\n"
                                    "On another machine: `wslmod bundle import {}` in an empty folder.\n",
                                    out.string(), recipe_count, module_count, out.filename().string());
        }
        return 0;
    };
}

Action setup_bundle_import(CLI::App& app) {
    struct Options {
        RecipeRunOptions run;
        std::string bundle, dir = ".";
        bool allow_build = false;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("BUNDLE", opt->bundle, "The bundle (NAME.wslmod.tar.zst)")->required();
    app.add_option("DIR", opt->dir, "An empty project folder (default: the current one)");
    app.add_flag("--allow-build", opt->allow_build,
                 "For a bundle made for another kernel release: build its recipes here, which runs their build "
                 "commands (make, dkms.conf) on this machine");
    add_recipe_options(app, opt->run);
    return [opt](const Context& ctx) -> util::Result<int> {
        auto dir = fs::absolute(opt->dir).lexically_normal();
        if (!dir.has_filename()) dir = dir.parent_path(); // "." normalises to "<cwd>/"
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) return util::bad_input("not a folder", dir.string(), "create it first");
        for (const char* name : {recipe::manifest_name, recipe::lock_name, "recipes"})
            if (fs::exists(dir / name, ec))
                return util::bad_input("a project is already here", (dir / name).string(), "import into an empty folder");
        auto bundle = fs::absolute(opt->bundle);
        auto work = dir / fmt::format(".wslmod-import-{}", ::getpid());
        util::RemoveOnExit cleanup{work};
        auto opened = WSLMOD_TRY(recipe::open_bundle(bundle, work, dir));
        for (const auto& n : opened.notes)
            if (!ctx.json) *ctx.err << "wslmod: note: " << n << "\n";
        auto& m = opened.manifest;
        auto& lock = opened.lock;
        if (fs::exists(fs::symlink_status(m.output, ec)))
            return util::bad_input("the image the bundle would write exists already", m.output.string(),
                                   "import into an empty folder");

        auto ro = opt->run;
        ro.extra.insert(ro.extra.begin(), (work / "recipes").string());
        auto in = WSLMOD_TRY(inputs_from_manifest(m, ro, *ctx.runner));
        in.lock_file = dir / recipe::lock_name;
        auto release = WSLMOD_TRY(release_here(in));
        auto cache = ro.resolved_cache();
        unsigned jobs = ro.jobs ? ro.jobs : std::max(1u, std::thread::hardware_concurrency());

        // The project files go into place once the image is, all or none: a project with no
        // recipe has no recipes/ in its bundle, and gets an empty one.
        fs::create_directories(work / "recipes", ec);
        std::vector<fs::path> moved; // what a failure takes back out of `dir`
        struct Undo {
            std::vector<fs::path>* paths;
            bool armed = true;
            ~Undo() {
                std::error_code e;
                if (armed)
                    for (const auto& p : *paths) fs::remove_all(p, e);
            }
        } undo{&moved};
        auto move_in = [&]() -> util::Result<void> {
            for (const char* name : {recipe::manifest_name, recipe::lock_name, "recipes"}) {
                fs::rename(work / name, dir / name, ec);
                if (ec) return util::fail(fmt::format("cannot move into place: {}", ec.message()), (dir / name).string());
                moved.push_back(dir / name);
            }
            return {};
        };
        if (release != lock.release) {
            // Another kernel: the bundle's recipes must be built for it, which runs their build
            // commands here, so only when asked.
            std::string names;
            for (const auto& [name, locked] : lock.recipes) names += (names.empty() ? "" : ", ") + name;
            if (!opt->allow_build)
                return util::bad_input(
                    fmt::format("the bundle is for {}, this kernel is {}: importing it means building its recipes ({}), "
                                "whose build commands (make, dkms.conf) would run on this machine",
                                lock.release, release, names.empty() ? "none" : names),
                    bundle.string(), "read the recipes, then pass --allow-build; nothing was written");
            if (!ctx.json)
                *ctx.err << fmt::format("wslmod: the bundle is for {}, this kernel is {}: building its recipes ({})\n",
                                        lock.release, release, names.empty() ? "none" : names);
            WSLMOD_CHECK(move_in());
            moved.push_back(m.output); // the image, if the build got that far
            ro.extra.front() = (dir / "recipes").string();
            in = WSLMOD_TRY(inputs_from_manifest(m, ro, *ctx.runner));
            in.lock_file = dir / recipe::lock_name;
            auto cwd = fs::current_path();
            fs::current_path(dir);
            auto rc = run_build(ctx, in);
            fs::current_path(cwd);
            if (rc && *rc == 0) undo.armed = false;
            return rc;
        }
        auto report = WSLMOD_TRY(assemble_from_bundle(ctx, in, lock, work, cache, jobs));
        moved.push_back(report.output);
        WSLMOD_CHECK(move_in());
        undo.armed = false;
        bool identical = report.sha256 == lock.image;
        if (ctx.json) {
            auto doc = modules::to_json(report);
            ctx.emit_json({{"image", doc}, {"identical", identical}, {"compiled", false}, {"release", release},
                           {"manifest", (dir / recipe::manifest_name).string()}});
        } else {
            *ctx.out << fmt::format("{}\n  release   {}\n  sha256    {}\n  {}\n  modules   {} added from the bundle, "
                                    "nothing compiled\n",
                                    report.output.string(), release, report.sha256,
                                    identical ? "identical to the image the bundle's lock names"
                                              : "NOT the image the bundle's lock names (" + lock.image + ")",
                                    report.added.size());
        }
        if (!identical && !ctx.json)
            *ctx.err << "wslmod: warning: the same modules and stock tree gave another image: please report it\n";
        return 0;
    };
}

} // namespace wslmod::cli
