#include "project/bundle.h"

#include <algorithm>
#include <deque>
#include <unistd.h>

#include <fmt/format.h>

#include "image/ext4_writer.h"
#include "image/file_source.h"
#include "kernel/config.h"
#include "kernel/facts.h"
#include "kernel/kernel_image.h"
#include "kernel/symvers.h"
#include "modules/stock.h"
#include "project/headers.h"
#include "project/inputs.h"
#include "recipe/bundle.h"
#include "recipe/bundle_import.h"
#include "recipe/catalog.h"
#include "recipe/lockfile.h"
#include "util/atomic_dir.h"
#include "util/atomic_file.h"
#include "util/beneath.h"
#include "util/file.h"
#include "util/in_folder.h"
#include "util/paths.h"

namespace wslmod::project {
namespace {
namespace fs = std::filesystem;

// Every file below `dir` as bundle entries below `prefix`.
util::Result<void> add_folder(const fs::path& dir, const std::string& prefix,
                              std::vector<recipe::BundleFile>& out) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; it != end; it.increment(ec)) {
        if (ec) break;
        if (it->is_symlink())
            return util::bad_input("a bundle carries no symlinks", it->path().string(),
                                   "replace the link by the file");
        if (it->is_regular_file())
            out.push_back(
                {prefix + it->path().lexically_relative(dir).generic_string(), it->path()});
    }
    if (ec) return util::fail(fmt::format("cannot read: {}", ec.message()), dir.string());
    return {};
}

// The release of the stock kernel the inputs name (or the explicit release).
util::Result<std::string> release_here(const BuildInputs& in) {
    if (!in.spec.stock_kernel.empty()) {
        auto bytes = WSLMOD_TRY(util::read_bytes(in.spec.stock_kernel));
        return WSLMOD_TRY(kernel::parse_kernel_image(bytes, in.spec.stock_kernel.string())).release;
    }
    if (!in.spec.release.empty()) return in.spec.release;
    return util::bad_input("the manifest names no stock kernel and no release",
                           recipe::manifest_name, "add stock-kernel = \"...\" to [kernel]");
}

// The locked recipes that have a folder in `dir` (a distro package named in wslmod.toml alone
// has none, and replaces nothing).
util::Result<std::map<std::string, recipe::Recipe>> folder_recipes(const recipe::Lock& lock,
                                                                   const fs::path& dir) {
    std::map<std::string, recipe::Recipe> out;
    for (const auto& [name, locked] : lock.recipes)
        if (locked.package.empty() || fs::exists(dir / name / "recipe.toml"))
            out[name] = WSLMOD_TRY(recipe::load_recipe(dir / name));
    return out;
}

// The image from the bundled modules: stock modules, a Module.symvers recovered from the stock
// kernel (or the manifest's) into `work`, and the modules below `modules` as the lock lists them
// (`recipes` says what those with a folder replace).  No make runs.
util::Result<modules::ImageReport>
assemble_from_bundle(util::CommandRunner& runner, const BuildInputs& in, const recipe::Lock& lock,
                     const fs::path& work, const std::map<std::string, recipe::Recipe>& recipes,
                     const fs::path& modules, const fs::path& cache, unsigned jobs) {
    auto stock = WSLMOD_TRY(modules::open_stock(fs::absolute(in.stock), cache, jobs));
    if (stock.release != lock.release)
        return util::bad_input(fmt::format("the stock modules are for {} but the bundle is for {}",
                                           stock.release, lock.release),
                               in.stock, "pass the modules that ship with that kernel");
    auto symvers = work / "Module.symvers";
    if (!in.spec.symvers.empty()) {
        symvers = in.spec.symvers;
    } else {
        auto bytes = WSLMOD_TRY(util::read_bytes(in.spec.stock_kernel));
        auto src = WSLMOD_TRY(image::open_file_source(in.stock));
        auto recovered = WSLMOD_TRY(
            kernel::recover_symvers(bytes, in.spec.stock_kernel.string(), src.get(), jobs));
        WSLMOD_CHECK(util::write_file_atomically(symvers, recovered.text));
    }
    auto config_text = WSLMOD_TRY(util::read_text_decompressed(in.spec.config));
    auto config = WSLMOD_TRY(kernel::parse_config(config_text, in.spec.config));

    modules::AssembleSpec as;
    as.stock = &stock;
    as.release = lock.release;
    as.symvers = symvers;
    as.compression =
        WSLMOD_TRY(modules::compression_from_string(kernel::module_facts(config).compression));
    for (const auto& [name, locked] : lock.recipes) {
        if (auto r = recipes.find(name); r != recipes.end()) {
            as.replaces[name] = r->second.replaces;
            if (r->second.source == recipe::SourceKind::kernel_tree)
                as.in_tree[name] = r->second.kernel_tree;
        }
        for (const auto& m : locked.modules) {
            auto slash = m.rfind('/');
            auto dest = slash == std::string::npos ? std::string() : m.substr(0, slash);
            auto mod = m.substr(slash + 1);
            as.added.push_back({name, mod, dest, modules / name / (m + ".ko")});
        }
    }
    as.output = fs::absolute(in.output).lexically_normal();
    std::error_code ec;
    fs::create_directories(as.output.parent_path(), ec);
    as.pack.layout = in.layout == "artifacts" ? image::Layout::artifacts : image::Layout::flat;
    as.pack.epoch = WSLMOD_TRY(image::source_date_epoch());
    as.cache = cache;
    as.jobs = jobs;
    // Headers are cut from a prepared tree, which the bundle does not carry: modules_prepare
    // builds Kbuild's host programs here (no recipe is compiled).
    if (in.headers) as.headers = WSLMOD_TRY(headers_for(in, runner, quiet())).dir;
    return modules::assemble_image(as, runner);
}

// The bundle's files for what a locked build planned and built.
util::Result<std::vector<recipe::BundleFile>>
bundle_files(const recipe::Manifest& m, const BuildInputs& in,
             const std::vector<recipe::Recipe>& planned,
             const std::vector<modules::AddedModule>& added) {
    std::vector<recipe::BundleFile> files{{"wslmod.toml", m.file}, {"wslmod.lock", in.lock_file}};
    for (const auto& r : planned) {
        // A deb source is not carried: the lock pins the package and its sha256, and the
        // bundle carries the modules built from it.
        auto dkms = r.source == recipe::SourceKind::deb ? fs::path() : r.dkms;
        for (const auto& src : {r.path, dkms})
            if (!src.empty() && !util::is_within(src, r.dir) && src != r.dir)
                return util::bad_input(
                    fmt::format("recipe {} builds from {}, outside its folder", r.name,
                                src.string()),
                    r.file.string(),
                    "copy the source into the recipe (`wslmod recipe import-dkms`)");
        // A distro package named in wslmod.toml alone has no folder: the manifest carries it.
        if (!r.dir.empty()) WSLMOD_CHECK(add_folder(r.dir, "recipes/" + r.name + "/", files));
    }
    for (const auto& a : added)
        files.push_back({fmt::format("modules/{}/{}/{}.ko", a.recipe, a.dest, a.name), a.file});
    return files;
}

// The folder must be empty of project files, and stays so until the image is built.
util::Result<fs::path> import_folder(const fs::path& given) {
    auto dir = fs::absolute(given).lexically_normal();
    if (!dir.has_filename()) dir = dir.parent_path(); // "." normalises to "<cwd>/"
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return util::bad_input("not a folder", dir.string(), "create it first");
    for (const char* name : {recipe::manifest_name, recipe::lock_name, "recipes"})
        if (fs::exists(dir / name, ec))
            return util::bad_input("a project is already here", (dir / name).string(),
                                   "import into an empty folder");
    return dir;
}

// The project files that go into place once the image is, all or none: what a failure takes
// back out of the folder is removed when this goes out of scope without keep().
class Placement {
  public:
    Placement(fs::path work, fs::path dir) : work_(std::move(work)), dir_(std::move(dir)) {}
    void with(std::string name) { names_.push_back(std::move(name)); }
    util::Result<void> move_in() {
        std::error_code ec;
        for (const auto& name : names_) {
            fs::rename(work_ / name, dir_ / name, ec);
            if (ec)
                return util::fail(fmt::format("cannot move into place: {}", ec.message()),
                                  (dir_ / name).string());
            also(dir_ / name);
        }
        return {};
    }
    void also(const fs::path& p) { placed_.emplace_back(p); }
    void keep() {
        for (auto& p : placed_)
            p.release();
    }

  private:
    fs::path work_, dir_;
    std::vector<std::string> names_{recipe::manifest_name, recipe::lock_name, "recipes"};
    std::deque<util::RemoveOnExit> placed_;
};

// Another kernel: the bundle's recipes are built for it, which runs their build commands here.
util::Result<BuildReport> build_here(const recipe::Manifest& m, RecipeOptions ro,
                                     const fs::path& dir, Placement& placement,
                                     util::CommandRunner& runner, Reporter& reporter) {
    WSLMOD_CHECK(placement.move_in());
    placement.also(m.output); // the image, if the build got that far
    ro.extra.front() = (dir / "recipes").string();
    auto in = WSLMOD_TRY(inputs_from_manifest(m, ro, runner));
    in.lock_file = dir / recipe::lock_name;
    util::InFolder here(dir);
    auto built = build(in, runner, reporter);
    if (built && !built->failure) placement.keep();
    return built;
}

} // namespace

util::Result<ExportReport> export_bundle(const recipe::Manifest& m, const RecipeOptions& options,
                                         const std::vector<std::string>& releases,
                                         const fs::path& bundle, util::CommandRunner& runner,
                                         Reporter& reporter) {
    auto in = WSLMOD_TRY(inputs_from_manifest(m, options, runner));
    in.locked = true; // the bundle is exactly what the lock says
    ExportReport report;
    report.bundle = bundle;
    auto own = WSLMOD_TRY(release_here(in));
    // Each further release is built whole (merged, depmod'ed, verified and packed like any
    // build, so its lock names a real image) in a work folder; its lock and modules join the
    // bundle below releases/<release>/.
    auto work = m.dir / fmt::format(".wslmod-export-{}", ::getpid());
    util::RemoveOnExit cleanup{work};
    std::vector<recipe::BundleFile> further;
    for (const auto& release : releases) {
        if (release == own || std::count(report.releases.begin(), report.releases.end(), release))
            continue;
        auto mr = m;
        mr.release = release;
        auto rin = WSLMOD_TRY(inputs_from_manifest(mr, options, runner));
        auto dir = work / release;
        std::error_code ec;
        fs::create_directories(dir / "modules", ec);
        rin.output = (dir / "modules.vhdx").string();
        rin.lock_file = dir / recipe::lock_name;
        rin.pack_after_recipes = true;
        rin.after_recipes =
            [&](const std::vector<recipe::Recipe>&,
                const std::vector<modules::AddedModule>& added) -> util::Result<void> {
            for (const auto& a : added) {
                auto name = fmt::format("{}/{}/{}.ko", a.recipe, a.dest, a.name);
                auto copy = dir / "modules" / name;
                std::error_code e;
                fs::create_directories(copy.parent_path(), e);
                fs::copy_file(a.file, copy, fs::copy_options::overwrite_existing, e);
                if (e)
                    return util::fail(fmt::format("cannot copy: {}", e.message()), a.file.string());
                further.push_back({"releases/" + release + "/modules/" + name, copy});
            }
            return {};
        };
        reporter.say(fmt::format("building for {} too", release));
        auto built = WSLMOD_TRY(build(rin, runner, reporter));
        if (built.failure) {
            built.failure->what = fmt::format("for {}: {}", release, built.failure->what);
            built.failure->hint += "; no bundle was written";
            report.build = std::move(built);
            return report;
        }
        further.push_back({"releases/" + release + "/" + recipe::lock_name, rin.lock_file});
        report.releases.push_back(release);
    }
    in.after_recipes = [&](const std::vector<recipe::Recipe>& planned,
                           const std::vector<modules::AddedModule>& added) -> util::Result<void> {
        auto files = WSLMOD_TRY(bundle_files(m, in, planned, added));
        files.insert(files.end(), further.begin(), further.end());
        WSLMOD_CHECK(recipe::write_bundle(bundle, files));
        report.modules = added.size();
        report.recipes = planned.size();
        return {};
    };
    report.build = WSLMOD_TRY(build(in, runner, reporter));
    return report;
}

util::Result<ImportReport> import_bundle(const ImportRequest& req, util::CommandRunner& runner,
                                         Reporter& reporter) {
    auto dir = WSLMOD_TRY(import_folder(req.dir));
    auto bundle = fs::absolute(req.bundle);
    auto work = dir / fmt::format(".wslmod-import-{}", ::getpid());
    util::RemoveOnExit cleanup{work};
    auto opened = WSLMOD_TRY(recipe::open_bundle(bundle, work, dir));
    for (const auto& n : opened.notes)
        reporter.note(n);
    auto& m = opened.manifest;
    auto& lock = opened.lock;
    std::error_code ec;
    if (fs::exists(fs::symlink_status(m.output, ec)))
        return util::bad_input("the image the bundle would write exists already", m.output.string(),
                               "import into an empty folder");

    auto ro = req.run;
    ro.extra.insert(ro.extra.begin(), (work / "recipes").string());
    auto in = WSLMOD_TRY(inputs_from_manifest(m, ro, runner));
    in.lock_file = dir / recipe::lock_name;
    ImportReport report;
    report.release = WSLMOD_TRY(release_here(in));
    report.manifest = dir / recipe::manifest_name;
    report.locked_image = lock.image;

    // A project with no recipe has no recipes/ in its bundle, and gets an empty one.
    fs::create_directories(work / "recipes", ec);
    Placement placement(work, dir);
    // A bundle with further releases leaves every release it carries in the project, its own
    // as well (.wslmod/releases/<release>/, laid out as in the bundle), for `wslmod upgrade`.
    fs::path modules = work / "modules";
    if (!opened.releases.empty()) {
        placement.with(".wslmod");
        auto kept = work / ".wslmod/releases";
        auto own = kept / lock.release;
        fs::create_directories(kept.parent_path(), ec);
        if (!ec) fs::rename(work / "releases", kept, ec);
        if (!ec) fs::create_directories(own, ec);
        if (!ec && fs::exists(work / "modules"))
            fs::copy(work / "modules", own / "modules", fs::copy_options::recursive, ec);
        if (!ec) fs::copy_file(work / recipe::lock_name, own / recipe::lock_name, ec);
        if (ec)
            return util::fail(fmt::format("cannot keep the bundle's releases: {}", ec.message()),
                              kept.string());
        if (report.release != lock.release && opened.releases.count(report.release)) {
            lock = opened.releases.at(report.release);
            modules = kept / report.release / "modules";
            reporter.note(fmt::format("the bundle carries a build for {}, this machine's kernel",
                                      report.release));
            fs::copy_file(kept / report.release / recipe::lock_name, work / recipe::lock_name,
                          fs::copy_options::overwrite_existing, ec);
            if (ec)
                return util::fail(fmt::format("cannot copy: {}", ec.message()),
                                  (work / recipe::lock_name).string());
        }
    }
    report.locked_image = lock.image;
    if (report.release != lock.release) {
        std::string names;
        for (const auto& [name, locked] : lock.recipes)
            names += (names.empty() ? "" : ", ") + name;
        if (!req.allow_build)
            return util::bad_input(
                fmt::format("the bundle is for {}, this kernel is {}: importing it means building "
                            "its recipes ({}), "
                            "whose build commands (make, dkms.conf) would run on this machine",
                            lock.release, report.release, names.empty() ? "none" : names),
                bundle.string(), "read the recipes, then pass --allow-build; nothing was written");
        reporter.say(
            fmt::format("the bundle is for {}, this kernel is {}: building its recipes ({})",
                        lock.release, report.release, names.empty() ? "none" : names));
        report.built = WSLMOD_TRY(build_here(m, ro, dir, placement, runner, reporter));
        return report;
    }
    auto recipes = WSLMOD_TRY(folder_recipes(lock, work / "recipes"));
    auto image = WSLMOD_TRY(assemble_from_bundle(runner, in, lock, work, recipes, modules,
                                                 ro.resolved_cache(), ro.job_count()));
    placement.also(image.output);
    WSLMOD_CHECK(placement.move_in());
    placement.keep();
    report.identical = image.sha256 == lock.image;
    report.image = std::move(image);
    return report;
}

util::Result<bool> assemble_bundled(const BuildInputs& in, const recipe::Manifest& m,
                                    util::CommandRunner& runner, Reporter& reporter) {
    auto release = WSLMOD_TRY(release_here(in));
    auto dir = m.dir / ".wslmod/releases" / release;
    if (!fs::exists(dir / recipe::lock_name)) return false;
    auto lock = WSLMOD_TRY(recipe::load_lock(dir / recipe::lock_name));
    // Only when the recipes are the ones the bundled build was made from.
    auto path = recipe_path(in.run.extra);
    std::map<std::string, recipe::Recipe> recipes;
    auto unusable = [&](const std::string& why) {
        reporter.note(fmt::format("the bundled build for {} is not used: {}", release, why));
        return false;
    };
    for (const auto& mr : m.recipes) {
        auto it = lock.recipes.find(mr.name);
        if (it == lock.recipes.end())
            return unusable(fmt::format("recipe {} is not in it", mr.name));
        if (!mr.deb.empty()) {
            if (!it->second.package.starts_with(mr.deb + "="))
                return unusable(fmt::format("it has recipe {} from {}", mr.name,
                                            util::quoted(it->second.package)));
            continue;
        }
        auto r = recipe::find_recipe(path, mr.name);
        if (!r) return unusable(r.error().message());
        auto diffs = WSLMOD_TRY(recipe::file_differences(mr.name, it->second, *r));
        if (!diffs.empty()) return unusable(diffs.front());
        recipes[mr.name] = std::move(*r);
    }
    auto work = m.dir / fmt::format(".wslmod/work-{}", ::getpid());
    std::error_code ec;
    fs::create_directories(work, ec);
    util::RemoveOnExit cleanup{work};
    reporter.say(fmt::format("using the bundled build for {}: nothing is compiled", release));
    auto image = WSLMOD_TRY(assemble_from_bundle(runner, in, lock, work, recipes, dir / "modules",
                                                 in.run.resolved_cache(), in.run.job_count()));
    if (image.sha256 != lock.image)
        reporter.warn(fmt::format("the image from the bundled build has sha256 {}, not the {} "
                                  "its lock names: something in the build is not reproducible "
                                  "(please report it)",
                                  image.sha256, lock.image));
    auto text = WSLMOD_TRY(util::read_text_decompressed(dir / recipe::lock_name));
    WSLMOD_CHECK(util::write_file_atomically(in.lock_file, text));
    return true;
}

} // namespace wslmod::project
