#include "project/doctor.h"

#include "kernel/headers.h"
#include "project/headers.h"

#include <fmt/format.h>

#include "kernel/compiler.h"
#include "kernel/config.h"
#include "kernel/prepare.h"
#include "project/inputs.h"
#include "recipe/manifest.h"
#include "util/file.h"
#include "wsl/config_file.h"
#include "wsl/install.h"
#include "wsl/wslconfig.h"

namespace wslmod::project {
namespace {
namespace fs = std::filesystem;

std::string first_line(util::CommandRunner& runner, std::vector<std::string> argv) {
    if (!util::find_program(argv[0])) return "";
    auto out = runner.run(util::Command(std::move(argv)));
    if (!out || out->exit_code != 0) return "";
    return out->output.substr(0, out->output.find('\n'));
}

// The published compiler text and the `cc` key of a project in this folder, when its config is
// a local file.
std::pair<std::string, std::string> project_compiler(util::CommandRunner& runner) {
    if (!fs::exists(recipe::manifest_name)) return {};
    auto m = recipe::load_manifest(recipe::manifest_name);
    if (!m) return {};
    auto in = kernel_inputs(*m, {}, runner);
    if (!in || in->spec.config.empty() || in->spec.config.starts_with("source:") ||
        !fs::exists(in->spec.config))
        return {"", m->cc};
    auto text = util::read_text_decompressed(in->spec.config);
    if (!text) return {"", m->cc};
    auto cfg = kernel::parse_config(*text, in->spec.config);
    return {cfg ? cfg->string_value("CC_VERSION_TEXT") : "", m->cc};
}

// The compiler a build here would use (kernel/compiler.h), against the stock kernel's.
void compiler(std::vector<Check>& out, util::CommandRunner& runner) {
    if (first_line(runner, {"gcc", "--version"}).empty()) {
        out.push_back({"gcc", "fail", "gcc is not installed", "apt install build-essential"});
        return;
    }
    auto [published, cc] = project_compiler(runner);
    auto chosen = kernel::choose_compiler(published, cc, runner);
    if (!chosen) {
        out.push_back({"gcc", "fail", chosen.error().message(), chosen.error().hint});
        return;
    }
    auto msg =
        fmt::format("{} builds the modules ({}){}", chosen->program, chosen->version,
                    published.empty() ? "" : "; the stock kernel was built with " + published);
    auto want = kernel::gcc_major(published);
    if (!chosen->note.empty())
        out.push_back({"gcc", "warn", msg, fmt::format("apt install gcc-{}", want)});
    else
        out.push_back({"gcc", "ok", msg, ""});
}

void toolchain(std::vector<Check>& out, util::CommandRunner& runner) {
    compiler(out, runner);
    struct Tool {
        const char* name;
        std::vector<std::string> argv;
        const char* package;
        const char* why;
    };
    for (const auto& t :
         {Tool{"make", {"make", "--version"}, "make", "Kbuild runs through make"},
          Tool{"depmod",
               {"depmod", "--version"},
               "kmod",
               "the image's module indexes come from depmod"},
          Tool{"pahole",
               {"pahole", "--version"},
               "dwarves",
               "without it, a config with BTF for modules drifts and wslmod refuses to build"}}) {
        auto v = first_line(runner, t.argv);
        if (v.empty())
            out.push_back({t.name, "fail", fmt::format("{} is not installed: {}", t.name, t.why),
                           fmt::format("apt install {}", t.package)});
        else
            out.push_back({t.name, "ok", v, ""});
    }
}

void disk(std::vector<Check>& out, const std::string& name, fs::path p) {
    std::error_code ec;
    while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path())
        p = p.parent_path();
    auto s = fs::space(p, ec);
    if (ec) {
        out.push_back({name, "skip",
                       fmt::format("cannot read free space of {}: {}", p.string(), ec.message()),
                       ""});
        return;
    }
    double gib = static_cast<double>(s.available) / (1u << 30);
    auto msg = fmt::format("{:.1f} GiB free at {}", gib, p.string());
    if (gib < 0.5)
        out.push_back({name, "fail", msg,
                       "free some space: a prepared kernel tree takes about 1.5 GiB, an image a "
                       "few hundred MiB"});
    else if (gib < 2)
        out.push_back(
            {name, "warn", msg, "a prepared kernel tree takes about 1.5 GiB; free some space"});
    else
        out.push_back({name, "ok", msg, ""});
}

void wsl_version_check(std::vector<Check>& out, const wsl::Windows& windows) {
    auto version = windows.wsl_version();
    if (!version)
        out.push_back({"wsl-version", "warn", version.error().message(),
                       "update WSL: `wsl --update` from PowerShell"});
    else if (!wsl::supports_kernel_modules(*version))
        out.push_back(
            {"wsl-version", "fail",
             fmt::format("WSL {} reads kernelModules= as a boolean (\"Invalid boolean value\")",
                         version->text),
             "`wsl --update` to 2.5.1 or later"});
    else if (wsl::may_deny_vhds_under_users(*version))
        out.push_back({"wsl-version", "warn",
                       fmt::format("WSL {} may refuse a modules image under C:\\Users "
                                   "(HCS/E_ACCESSDENIED, microsoft/WSL#40482)",
                                   version->text),
                       "`wsl --update`, or install with WSLMOD_INSTALL_DIR=C:\\wslmod"});
    else
        out.push_back({"wsl-version", "ok",
                       fmt::format("WSL {}{}", version->text,
                                   version->kernel.empty() ? "" : ", kernel " + version->kernel),
                       ""});
}

void wslconfig_check(std::vector<Check>& out, const wsl::Windows& windows,
                     const wsl::Target& target, const wsl::ConfigFile& config,
                     const util::Result<wsl::InstallState>& state) {
    const auto* file = &config;
    const auto& conf = file->text;
    auto kernel = wsl::get_value(conf, "wsl2", "kernel"),
         modules = wsl::get_value(conf, "wsl2", "kernelModules");
    if (!wsl::wsl_reads(file->form)) {
        out.push_back({"wslconfig", "fail",
                       fmt::format("{} is {}: WSL reads it as UTF-8 and sees none of its settings",
                                   file->path.string(), wsl::describe(file->form)),
                       "save it as UTF-8 (Notepad: Save as, Encoding UTF-8)"});
    } else if (!modules) {
        out.push_back({"wslconfig", "ok",
                       fmt::format("{}: no kernelModules= (WSL uses its own modules)",
                                   target.wslconfig.string()),
                       ""});
    } else if (!kernel) {
        out.push_back(
            {"wslconfig", "fail",
             "kernelModules= without kernel=: WSL refuses to start (\"Customised kernel modules "
             "were supplied without specifying a customised kernel\")",
             "`wslmod install` sets both, or add kernel= pointing at a copy of WSL's "
             "tools\\kernel"});
    } else {
        std::vector<std::string> missing;
        for (const auto& v : {*kernel, *modules}) {
            auto p = windows.to_linux(v);
            if (!p || !fs::exists(*p)) missing.push_back(v);
        }
        if (!missing.empty())
            out.push_back({"wslconfig", "fail",
                           fmt::format("{} names files that do not exist: {}",
                                       target.wslconfig.string(), fmt::join(missing, ", ")),
                           "`wslmod install` again, or `wslmod uninstall`"});
        else if (state && state->current)
            out.push_back({"wslconfig", "ok",
                           fmt::format("kernel= and kernelModules= name wslmod's generation {}",
                                       state->generations[static_cast<size_t>(*state->current)].id),
                           ""});
        else
            out.push_back(
                {"wslconfig", "ok", "kernel= and kernelModules= are set (not by wslmod)", ""});
    }
}

// kernel= names wslmod's copy of the stock kernel, so after a restart WSL runs the installed
// release even when WSL itself was updated; another release means WSL has not restarted yet.
void installed_check(DoctorReport& r, const wsl::Windows& windows, const wsl::Detection& d,
                     const util::Result<wsl::InstallState>& state) {
    auto& out = r.checks;
    if (!state) {
        out.push_back({"installed", "fail", state.error().message(), state.error().hint});
        return;
    }
    if (!state->current) {
        out.push_back({"installed", "skip", "no wslmod image is installed",
                       "`wslmod build && wslmod install`"});
        return;
    }
    const auto& g = state->generations[static_cast<size_t>(*state->current)];
    std::vector<std::string> stale;
    if (auto changed = wsl::stock_kernel_changed(windows, g)) stale.push_back(*changed);
    bool pending = !d.release.empty() && d.release != g.release;
    if (!stale.empty()) {
        r.stale = true;
        out.push_back({"installed", "fail", "stale: " + fmt::format("{}", fmt::join(stale, "; ")),
                       "`wslmod upgrade` in the project (it rebuilds for WSL's new kernel and "
                       "installs both)"});
    } else if (pending) {
        out.push_back({"installed", "warn",
                       fmt::format("generation {} is for {}, but the running kernel is {}: WSL has "
                                   "not restarted since the install",
                                   g.id, g.release, d.release),
                       "run `wsl --shutdown` from PowerShell, then start the distro"});
    } else {
        out.push_back({"installed", "ok",
                       fmt::format("generation {} for {} ({})", g.id, g.release, g.modules), ""});
    }
    for (const auto& b : state->bad)
        out.push_back({"rolled-back", "warn",
                       fmt::format("image {} (generation {}) was rolled back from on {}",
                                   b.image_sha256.substr(0, 12), b.generation, b.at),
                       "install it again only with --force"});
}

} // namespace

Check headers_check(const fs::path& modules_root, const fs::path& prefix,
                    const std::string& release) {
    auto copy = fs::path(kernel::distro_headers_dir(release, prefix.string()));
    auto link = (modules_root / release / "build").string();
    switch (build_entry(modules_root, release, copy)) {
    case BuildEntry::in_image:
        return {"headers", "ok", fmt::format("{} is the image's own headers", link), ""};
    case BuildEntry::leads_here:
        return {"headers", "ok", fmt::format("{} leads to {}", link, copy.string()), ""};
    case BuildEntry::elsewhere:
    case BuildEntry::missing:
        break;
    }
    std::error_code ec;
    if (fs::exists(copy / "Makefile", ec))
        return {"headers", "warn",
                fmt::format("{} is installed, but {} does not lead there", copy.string(), link),
                "rebuild the image with this wslmod (`wslmod build`: it links build there), or "
                "pass --kernelsourcedir " +
                    copy.string() + " to dkms"};
    return {"headers", "warn",
            fmt::format("no headers for {}: make -C {} and DKMS cannot build", release, link),
            "`wslmod build --headers` (in the image), or `sudo wslmod headers install --cache "
            "~/.cache/wslmod`"};
}

DoctorReport diagnose(const wsl::WindowsOptions& options, util::CommandRunner& runner) {
    DoctorReport r;
    auto& out = r.checks;
    toolchain(out, runner);
    disk(out, "disk-cache", kernel::default_cache());

    auto d = wsl::detect(options);
    // wslpath exists only inside WSL (or where a test stands in for it).
    bool windows_side = d.wsl2() || !options.root.empty() || util::find_program("wslpath");
    if (d.wsl2()) {
        out.push_back({"wsl", "ok",
                       fmt::format("WSL 2, kernel {}{}", d.release,
                                   d.distro.empty() ? "" : ", distro " + d.distro),
                       ""});
        out.push_back(headers_check("/lib/modules", "/usr/src", d.release));
    } else if (!options.root.empty())
        out.push_back({"wsl", "ok",
                       fmt::format("Windows side at --windows-root {} (kernel {})",
                                   options.root.string(), d.release),
                       ""});
    else if (windows_side)
        out.push_back({"wsl", "warn",
                       fmt::format("wslpath is here but the kernel {} is not WSL 2's", d.release),
                       "a custom kernel= without -microsoft-standard-WSL2 in its release? modules "
                       "must match it"});
    else
        out.push_back(
            {"wsl", "skip",
             fmt::format("not WSL 2 (kernel {}): the Windows checks are skipped", d.release),
             "run doctor inside WSL, or pass --windows-root"});
    if (!windows_side) return r;

    wsl::Windows windows(options, runner);
    wsl_version_check(out, windows);
    auto target = wsl::install_target(windows);
    if (!target) {
        out.push_back({"wslconfig", "fail", target.error().message(), target.error().hint});
        return r;
    }
    disk(out, "disk-windows", target->root);
    auto file = wsl::read_config(target->wslconfig);
    if (!file) {
        out.push_back({"wslconfig", "fail", file.error().message(), file.error().hint});
        return r;
    }
    auto state = wsl::read_state(*target);
    wslconfig_check(out, windows, *target, *file, state);
    installed_check(r, windows, d, state);
    return r;
}

bool DoctorReport::failed() const {
    for (const auto& c : checks)
        if (c.status == "fail") return true;
    return false;
}

} // namespace wslmod::project
