#include "project/upgrade.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "kernel/kernel_image.h"
#include "project/bundle.h"
#include "project/inputs.h"
#include "project/status.h"
#include "util/fault.h"
#include "util/file.h"
#include "util/in_folder.h"
#include "util/sha256.h"
#include "wsl/install.h"

namespace wslmod::project {
namespace {
namespace fs = std::filesystem;

util::Result<fs::path> project_folder(const fs::path& given, const wsl::Generation& current) {
    if (!given.empty()) {
        if (!fs::exists(given / recipe::manifest_name))
            return util::bad_input("no wslmod.toml in this folder", given.string(),
                                   "name the project folder wslmod was built in");
        return fs::absolute(given).lexically_normal();
    }
    if (fs::exists(recipe::manifest_name)) return fs::current_path();
    if (!current.project.empty() && fs::exists(fs::path(current.project) / recipe::manifest_name))
        return fs::path(current.project);
    return util::bad_input(
        fmt::format("no wslmod.toml here, and generation {} does not name the project it was "
                    "built in{}",
                    current.id,
                    current.project.empty() ? "" : " (" + current.project + " is gone)"),
        fs::current_path().string(),
        "run `wslmod upgrade` in the project folder, or pass --project");
}

// The recipes a failed build names, for --keep-going.
std::vector<std::string> failed_recipes(const BuildReport& r) {
    std::vector<std::string> out;
    for (const auto& f : r.failures)
        out.push_back(f.value("recipe", ""));
    return out;
}

std::string retry_hint(const wsl::Generation& g) {
    return fmt::format("the installed generation {} ({}) and .wslconfig were not changed; fix "
                       "that, then run `wslmod upgrade` again",
                       g.id, g.release);
}

// Steps 3 to 5 for a due upgrade; an error here leaves what is installed as it was.
util::Result<void> rebuild_and_install(const UpgradeOptions& o, const wsl::WindowsOptions& options,
                                       util::CommandRunner& runner, Reporter& reporter,
                                       const fs::path& kernel, const wsl::Generation& current,
                                       UpgradeReport& report) {
    util::InFolder here(report.project); // run from elsewhere, e.g. by the boot hook
    auto m = WSLMOD_TRY(recipe::load_manifest(report.project / recipe::manifest_name));
    if (!m.release.empty() && m.release != report.to_release)
        return util::bad_input(
            fmt::format("the manifest pins release {}, so it does not follow WSL's kernel {}",
                        m.release, report.to_release),
            m.file.string(), "remove release = from [kernel], then run `wslmod upgrade` again");
    auto run = o.run;
    run.cache = run.resolved_cache();
    auto in = WSLMOD_TRY(inputs_from_manifest(m, run, runner));
    std::error_code ec;
    if (!in.spec.stock_kernel.empty() && !fs::equivalent(in.spec.stock_kernel, kernel, ec))
        reporter.note(fmt::format("the manifest names stock-kernel {}, not WSL's tools\\kernel",
                                  in.spec.stock_kernel.string()));

    // An image already built from exactly these inputs (a second run after an install that
    // failed, or `wslmod build` run by hand after the update) is installed as it is.
    auto st = WSLMOD_TRY(image_status(m, in, run.extra));
    bool built_already = st.state == "current" && st.release == report.to_release;
    auto bundled = !built_already && WSLMOD_TRY(assemble_bundled(in, m, runner, reporter));
    if (built_already) {
        reporter.note(fmt::format("{} is built for {} already", in.output, report.to_release));
    } else if (bundled) {
        report.from_bundle = true;
    } else {
        in.verify = !o.no_verify && util::find_program("qemu-system-x86_64").has_value();
        auto built = WSLMOD_TRY(build(in, runner, reporter));
        if (built.failure && o.run.keep_going && !built.failures.empty() &&
            built.failures.size() < in.run.names.size()) {
            report.left_out = failed_recipes(built);
            std::set<std::string> out(report.left_out.begin(), report.left_out.end());
            std::erase_if(in.run.names, [&](const std::string& n) { return out.count(n) > 0; });
            reporter.warn(
                fmt::format("left out of the upgrade, because they do not build for {}: {}",
                            report.to_release, fmt::join(report.left_out, ", ")));
            built = WSLMOD_TRY(build(in, runner, reporter));
        }
        report.build = built;
        if (built.failure) {
            auto e = *built.failure;
            e.hint += "; " + retry_hint(current);
            if (!o.run.keep_going && !built.failures.empty())
                e.hint += " (--keep-going upgrades without the recipes that do not build)";
            report.failure = e;
            report.build->failure = e; // the CLI prints the build's report with this error
            return {};
        }
        if (!built.checked && !o.no_verify)
            reporter.note("qemu-system-x86_64 is not here, so the new image was not boot-tested "
                          "before it was installed");
    }
    util::fault_point("upgrade: image ready");

    InstallOptions io;
    io.image = in.output;
    io.stock_kernel = kernel;
    io.cache = run.cache;
    io.force = o.force;
    io.no_verify = true; // the build booted it already (or QEMU is not here)
    if (bundled || built_already) io.no_verify = o.no_verify;
    auto installed = WSLMOD_TRY(install_image(io, options, runner, reporter));
    if (installed.failure) {
        auto e = *installed.failure;
        e.hint += "; " + retry_hint(current);
        report.failure = e;
    } else {
        report.state = "upgraded";
    }
    report.installed = std::move(installed);
    return {};
}

} // namespace

util::Result<UpgradeReport> upgrade(const UpgradeOptions& o, const wsl::WindowsOptions& options,
                                    util::CommandRunner& runner, Reporter& reporter) {
    UpgradeReport report;
    wsl::Windows windows(options, runner);
    auto target = WSLMOD_TRY(wsl::install_target(windows));
    auto state = WSLMOD_TRY(wsl::read_state(target));
    auto kernel = WSLMOD_TRY(windows.tools()) / "kernel";
    if (!fs::exists(kernel))
        return util::bad_input("WSL's stock kernel is not there", kernel.string(),
                               "set WSLMOD_WSL_TOOLS to WSL's tools folder");
    auto bytes = WSLMOD_TRY(util::read_bytes(kernel));
    report.to_release = WSLMOD_TRY(kernel::parse_kernel_image(bytes, kernel.string())).release;
    if (!state.current)
        return util::bad_input(
            "nothing wslmod installed is current, so there is nothing to upgrade",
            target.wslconfig.string(),
            "run `wslmod build` and `wslmod install` in the project first");
    const auto& current = state.generations[static_cast<size_t>(*state.current)];
    report.from = current;
    report.from_release = current.release;
    report.project = WSLMOD_TRY(project_folder(o.project, current));

    auto sha = util::to_hex(util::Sha256().update(bytes).finish()); // the bytes read above
    if (sha == current.kernel_sha256) {
        report.state = "current";
        return report;
    }
    report.reasons.push_back(
        report.to_release != current.release
            ? fmt::format("WSL's kernel is now {}; generation {} is for {}", report.to_release,
                          current.id, current.release)
            : fmt::format("WSL's tools\\kernel is another build of {} than generation {} carries",
                          current.release, current.id));
    if (o.check) {
        report.state = "due";
        return report;
    }

    auto done = rebuild_and_install(o, options, runner, reporter, kernel, current, report);
    if (!done) {
        auto e = done.error();
        e.hint += (e.hint.empty() ? "" : "; ") + retry_hint(current);
        return tl::unexpected(e);
    }
    return report;
}

} // namespace wslmod::project
