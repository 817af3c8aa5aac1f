#include "project/build.h"

#include <future>

#include <fmt/format.h>

#include "image/ext4_writer.h"
#include "kernel/config.h"
#include "kernel/facts.h"
#include "kernel/headers.h"
#include "modules/stock.h"
#include "project/boot.h"
#include "project/recipes.h"
#include "recipe/lockfile.h"
#include "util/atomic_file.h"
#include "util/file.h"
#include "wsl/wslconfig.h"

namespace wslmod::project {
namespace {
namespace fs = std::filesystem;

// The Windows form of `p` when wslpath can tell it (on WSL), escaped for .wslconfig.
std::optional<std::string> windows_path(const fs::path& p, util::CommandRunner& runner) {
    if (!util::find_program("wslpath")) return std::nullopt;
    auto out = runner.run(util::Command({"wslpath", "-w", p.string()}));
    if (!out || out->exit_code != 0 || out->output.empty()) return std::nullopt;
    return wsl::escape_value(out->output.substr(0, out->output.find('\n')));
}

util::Result<modules::Compression> compression_of(const fs::path& tree) {
    auto text = WSLMOD_TRY(util::read_text_decompressed(tree / ".config"));
    auto cfg = WSLMOD_TRY(kernel::parse_config(text, (tree / ".config").string()));
    return modules::compression_from_string(kernel::module_facts(cfg).compression);
}

// What can be refused before anything runs.
util::Result<void> check_inputs(const BuildInputs& in) {
    if (in.tree.empty() && in.spec.source.empty())
        return util::bad_input(
            "no kernel: pass --kernel TREE, or --source, --config and --stock-kernel", "--kernel",
            "see `wslmod build --help`");
    if (in.stock.empty() && !in.no_stock)
        return util::bad_input(
            "no stock modules: WSL mounts one modules image, so it must hold the stock modules too",
            "--stock-modules",
            "pass WSL's tools\\modules.vhd (or a modules folder), or "
            "--no-stock-modules for an image with only the added modules");
    if (in.verify && in.spec.stock_kernel.empty())
        return util::bad_input("--verify boots the stock kernel, and none is named", "--verify",
                               "pass --stock-kernel (with --kernel TREE too), or build a project");
    if (in.verify && !util::find_program("qemu-system-x86_64"))
        return util::bad_input(
            "--verify boots the image under QEMU, and qemu-system-x86_64 is not here", "--verify",
            "apt install qemu-system-x86, or build without --verify");
    if (in.locked && in.lock_file.empty())
        return util::bad_input("--locked needs a project", "--locked",
                               "run it where wslmod.toml and wslmod.lock are");
    if (in.locked && !fs::exists(in.lock_file))
        return util::bad_input("there is no lock to build from", in.lock_file.string(),
                               "run `wslmod build` once without --locked to write it");
    return {};
}

// Appends "; <what>" to an error's hint.
util::Error with_hint(util::Error e, const std::string& what) {
    e.hint += (e.hint.empty() ? "" : "; ") + what;
    return e;
}

// One build's state: the lock it is making (`now`), the one it must match (`locked`), and the
// report so far.  The steps run in the order of run().
class Build {
  public:
    Build(const BuildInputs& in, util::CommandRunner& runner, Reporter& reporter)
        : in_(in), runner_(runner), reporter_(reporter), ro_(in.run) {
        ro_.cache = ro_.resolved_cache();
        jobs_ = ro_.job_count();
        report_.output = in.output;
        report_.lock_file = in.lock_file;
    }

    util::Result<BuildReport> run() {
        WSLMOD_CHECK(check_inputs(in_));
        if (in_.locked) {
            locked_ = WSLMOD_TRY(recipe::load_lock(in_.lock_file));
            // A deb source is fetched at the version and digest the lock pins, or refused.
            for (const auto& [name, lr] : locked_->recipes)
                if (auto eq = lr.package.find('='); eq != std::string::npos)
                    ro_.deb_pins[name] = {lr.package.substr(eq + 1), lr.archive};
        }
        watch_.lap("inputs");
        // The stock modules' twins (seconds of xz on a first build) are made beside the
        // kernel tree's preparation, which leaves cores idle in its serial make steps; neither
        // needs the other.  Progress is prepare's.  With --locked, after it: the lock is checked
        // before anything is made.  (A failed prepare returns at once; the future's destructor
        // waits for a running twin step, which writes its cache entry whole or not at all.)
        auto stock_ready = std::async(in_.locked ? std::launch::deferred : std::launch::async,
                                      [this] { return stock_tree(); });
        auto tree = WSLMOD_TRY(prepare());
        auto stock = WSLMOD_TRY(check_stock(stock_ready.get(), tree));
        watch_.lap("stock");
        modules::AssembleSpec as;
        as.stock = stock ? &*stock : nullptr;
        bool built = WSLMOD_TRY(build_recipes(tree, as));
        watch_.lap("recipes");
        if (!built || report_.stopped) return report_;
        auto image = WSLMOD_TRY(assemble(tree, as));
        // The image's own steps (stage, depmod, verify, pack) stand for the assembly.
        report_.seconds.insert(report_.seconds.end(), image.seconds.begin(), image.seconds.end());
        watch_.skip();
        if (in_.verify && !image.added.empty()) {
            bool loaded = WSLMOD_TRY(boot_verify(image));
            watch_.lap("boot check");
            if (!loaded) return report_;
        }
        WSLMOD_CHECK(finish(std::move(image)));
        watch_.lap("finish");
        return report_;
    }

  private:
    util::Result<void> refuse(const std::vector<std::string>& diffs) const {
        if (diffs.empty()) return {};
        std::string list;
        for (const auto& d : diffs)
            list += (list.empty() ? "" : "; ") + d;
        return util::bad_input(
            "the inputs differ from the lock: " + list, in_.lock_file.string(),
            "restore them, or build without --locked to rebuild and rewrite the lock");
    }

    // 1. The kernel tree, prepared or reused; its inputs go into the lock.
    util::Result<engine::TreeRef> prepare() {
        kernel::PreparedTree prepared;
        if (!in_.tree.empty()) {
            prepared =
                WSLMOD_TRY(kernel::open_prepared_tree(fs::absolute(in_.tree).lexically_normal()));
            if (!in_.spec.cc.empty()) // --cc over the compiler the tree was prepared with
                prepared.cc = WSLMOD_TRY(kernel::choose_compiler("", in_.spec.cc, runner_)).program;
        } else {
            auto spec = prepare_spec(in_);
            spec.gate = [&](const kernel::InputDigests& d) -> util::Result<void> {
                now_.release = d.release;
                now_.toolchain = d.toolchain;
                now_.compiler = d.compiler;
                for (const auto& [name, digest] : d.inputs)
                    now_.kernel[name] = digest;
                return locked_ ? refuse(recipe::kernel_differences(*locked_, now_))
                               : util::Result<void>{};
            };
            auto p = kernel::prepare_tree(
                spec, runner_, [&](const std::string& m) { reporter_.step("prepare: " + m); });
            reporter_.done();
            prepared = WSLMOD_TRY(std::move(p));
        }
        watch_.lap("prepare");
        for (const auto& w : prepared.warnings)
            reporter_.warn(w);
        if (!fs::exists(prepared.dir / "Module.symvers") || prepared.symvers_source == "none")
            return util::bad_input("the kernel tree has no Module.symvers, so depmod cannot check "
                                   "the modules' symbols",
                                   prepared.dir.string(),
                                   "prepare it with --stock-kernel (or --symvers)");
        report_.release = prepared.release;
        report_.tree = prepared.dir;
        if (in_.headers) {
            reporter_.step("headers");
            auto h = kernel::make_headers(prepared, ro_.cache, runner_);
            reporter_.done();
            report_.headers = WSLMOD_TRY(std::move(h));
            watch_.lap("headers");
            report_.headers_at =
                in_.layout == "artifacts"
                    ? fmt::format("{}/linux-headers/ in the image", prepared.release)
                    : fmt::format("/lib/modules/{}/build", prepared.release);
        }
        if (now_.compiler.empty()) now_.compiler = engine::compiler_identity(runner_, prepared.cc);
        return engine::TreeRef{prepared.dir, prepared.release, prepared.cc, prepared.source};
    }

    // 2. The stock modules, checked before anything is compiled: opened (on another thread, see
    // run()), then matched with the tree's release.
    util::Result<std::optional<modules::StockTree>> stock_tree() const {
        if (in_.stock.empty()) return std::optional<modules::StockTree>();
        return std::optional<modules::StockTree>(
            WSLMOD_TRY(modules::open_stock(fs::absolute(in_.stock), ro_.cache, jobs_)));
    }

    util::Result<std::optional<modules::StockTree>>
    check_stock(util::Result<std::optional<modules::StockTree>> opened,
                const engine::TreeRef& tree) const {
        auto stock = WSLMOD_TRY(std::move(opened));
        if (stock && stock->release != tree.release)
            return util::bad_input(fmt::format("the stock modules are for {} but the kernel is {}",
                                               stock->release, tree.release),
                                   in_.stock, "pass the modules that ship with that kernel");
        return stock;
    }

    // 3. The recipes; false when one failed (report_.failure says why).
    util::Result<bool> build_recipes(const engine::TreeRef& tree, modules::AssembleSpec& as) {
        ro_.gate = [&](const engine::Plan& plan) -> util::Result<void> {
            for (const auto& p : plan.recipes) {
                auto lr = WSLMOD_TRY(recipe::lock_recipe(p.recipe));
                for (const auto& m : p.recipe.modules)
                    lr.modules.push_back(m.dest + "/" + m.name);
                now_.recipes[p.recipe.name] = std::move(lr);
            }
            return locked_ ? refuse(recipe::recipe_differences(*locked_, now_))
                           : util::Result<void>{};
        };
        if (ro_.names.empty() && locked_)
            WSLMOD_CHECK(refuse(recipe::recipe_differences(*locked_, now_)));
        std::vector<recipe::Recipe> planned;
        if (!ro_.names.empty()) {
            auto run = WSLMOD_TRY(run_recipes(ro_, tree, runner_, reporter_));
            planned = run.planned;
            report_.builds = run.builds;
            report_.failures = run.failures;
            report_.skipped = run.skipped;
            if (run.result.failed) {
                for (const auto& o : run.result.outcomes)
                    if (o.error)
                        reporter_.diagnostic("wslmod: error: " + o.error->message() + "\n");
                auto e = recipe_failure(run, ro_.keep_going);
                e.hint += fmt::format("; {} was not changed", in_.output);
                report_.failure = e;
                return false;
            }
            for (const auto& o : run.result.outcomes)
                for (const auto& m : o.build->modules)
                    as.added.push_back({o.recipe, m.name, m.dest, m.file});
            as.replaces = run.replaces;
            for (const auto& r : run.planned)
                if (r.source == recipe::SourceKind::kernel_tree) as.in_tree[r.name] = r.kernel_tree;
        }
        if (in_.after_recipes) {
            WSLMOD_CHECK(in_.after_recipes(planned, as.added));
            report_.stopped = !in_.pack_after_recipes;
        }
        return true;
    }

    // 4. Stage, depmod, verify, pack.
    util::Result<modules::ImageReport> assemble(const engine::TreeRef& tree,
                                                modules::AssembleSpec& as) {
        as.release = tree.release;
        as.symvers = tree.dir / "Module.symvers";
        as.compression = WSLMOD_TRY(compression_of(tree.dir));
        as.output = fs::absolute(in_.output).lexically_normal();
        std::error_code ec;
        fs::create_directories(as.output.parent_path(), ec);
        as.pack.layout = in_.layout == "artifacts" ? image::Layout::artifacts : image::Layout::flat;
        as.pack.epoch = WSLMOD_TRY(image::source_date_epoch());
        as.cache = ro_.cache;
        as.jobs = jobs_;
        if (report_.headers) as.headers = report_.headers->dir;
        auto assembled =
            modules::assemble_image(as, runner_, [&](const std::string& m) { reporter_.step(m); });
        reporter_.done();
        if (!assembled)
            return tl::unexpected(
                with_hint(assembled.error(), fmt::format("{} was not changed", in_.output)));
        return assembled;
    }

    // 5. --verify: the new image goes aside and the previous one comes back, as if the build
    // had failed, unless every added module loads.  False when one did not (report_.failure).
    util::Result<bool> boot_verify(const modules::ImageReport& r) {
        std::vector<std::string> names;
        for (const auto& a : r.added)
            names.push_back(a.name);
        auto check =
            boot_check_image(r.output, in_.spec.stock_kernel, names, ro_.cache, runner_, reporter_);
        if (check && check->ok()) {
            report_.checked = *check;
            return true;
        }
        auto rejected = fs::path(r.output.string() + ".rejected");
        std::error_code ec;
        fs::rename(r.output, rejected, ec);
        if (!r.previous.empty()) fs::rename(r.previous, r.output, ec);
        if (!check)
            return tl::unexpected(
                with_hint(check.error(), fmt::format("the new image is {}; {} is as it was",
                                                     rejected.string(), in_.output)));
        report_.checked = *check;
        report_.rejected = rejected;
        auto e = check_failure(*check, rejected);
        e.hint += fmt::format("; {} is as it was", in_.output);
        report_.failure = e;
        return false;
    }

    // 6. The image is in place: the caller's step, then the lock.
    util::Result<void> finish(modules::ImageReport r) {
        if (in_.on_success) WSLMOD_CHECK(in_.on_success());
        now_.image = r.sha256;
        report_.warnings = r.warnings;
        if (locked_ && locked_->image != r.sha256)
            report_.warnings.push_back(fmt::format(
                "every input matches the lock, but the image's sha256 is {}, not the "
                "locked {}: something in the build is not reproducible (please report it)",
                r.sha256, locked_->image));
        if (!in_.lock_file.empty() && !locked_)
            WSLMOD_CHECK(util::write_file_atomically(in_.lock_file, recipe::lock_text(now_)));
        report_.lock_matched = locked_.has_value();
        if (!in_.spec.stock_kernel.empty())
            report_.kernel_windows = windows_path(fs::absolute(in_.spec.stock_kernel), runner_);
        report_.image_windows = windows_path(r.output, runner_);
        report_.wslpath = util::find_program("wslpath").has_value();
        report_.image = std::move(r);
        return {};
    }

    const BuildInputs& in_;
    util::CommandRunner& runner_;
    Reporter& reporter_;
    RecipeOptions ro_;
    unsigned jobs_ = 1;
    recipe::Lock now_;
    std::optional<recipe::Lock> locked_;
    BuildReport report_;
    util::Stopwatch watch_{report_.seconds};
};

} // namespace

util::Result<BuildReport> build(const BuildInputs& in, util::CommandRunner& runner,
                                Reporter& reporter) {
    return Build(in, runner, reporter).run();
}

} // namespace wslmod::project
