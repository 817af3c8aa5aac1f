#include "cli/upgrade.h"

#include <cstdlib>
#include <memory>
#include <ostream>
#include <sstream>

#include <pwd.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/build_command.h"
#include "cli/recipe_build.h"
#include "cli/windows_options.h"
#include "kernel/prepare.h"
#include "project/autoinstall.h"
#include "project/upgrade.h"
#include "recipe/manifest.h"
#include "util/clock.h"

namespace wslmod::cli {
namespace fs = std::filesystem;

namespace {

nlohmann::json upgrade_json(const project::UpgradeReport& r) {
    nlohmann::json doc{{"state", r.state},
                       {"project", r.project.string()},
                       {"from_release", r.from_release},
                       {"to_release", r.to_release},
                       {"reasons", r.reasons},
                       {"left_out", r.left_out},
                       {"from_bundle", r.from_bundle}};
    if (r.from) doc["from_generation"] = r.from->id;
    if (r.installed) {
        const auto& g = r.installed->installed.generation;
        doc["installed"] = {{"id", g.id},
                            {"release", g.release},
                            {"kernel", g.kernel},
                            {"modules", g.modules},
                            {"image_sha256", g.image_sha256}};
    }
    if (r.build && r.build->checked) doc["verified"] = r.build->checked->ok();
    return doc;
}

void print_upgrade(std::ostream& out, const project::UpgradeReport& r) {
    if (r.state == "current") {
        out << fmt::format("current: generation {} carries WSL's kernel {}\n", r.from->id,
                           r.from_release);
        return;
    }
    for (const auto& why : r.reasons)
        out << why << "\n";
    if (r.state == "due") {
        out << fmt::format("An upgrade is due: run `wslmod upgrade` in {}\n", r.project.string());
        return;
    }
    const auto& g = r.installed->installed.generation;
    out << fmt::format("upgraded: generation {} for {} (was generation {} for {}){}\n", g.id,
                       g.release, r.from->id, r.from_release,
                       r.from_bundle ? ", from the bundled build" : "");
    if (r.build && r.build->checked)
        out << "  boot test  the new kernel loaded every added module\n";
    if (!r.left_out.empty())
        out << fmt::format("  left out   {} (they do not build for {})\n",
                           fmt::join(r.left_out, ", "), r.to_release);
    out << "  kernel=        " << g.kernel << "\n"
        << "  kernelModules= " << g.modules << "\n"
        << "WSL reads .wslconfig when its VM starts: run `wsl --shutdown`, then start your "
           "distro again (`wslmod rollback` goes back).\n";
}

// Who the hook runs as: the user behind sudo, else this one.
std::string hook_user() {
    if (const char* s = std::getenv("SUDO_USER"); s && *s) return s;
    if (auto* pw = ::getpwuid(::geteuid())) return pw->pw_name;
    return "";
}

nlohmann::json hook_json(const project::HookRecord& h) {
    return {{"hook", h.hook},
            {"file", h.file.string()},
            {"project", h.project.string()},
            {"user", h.user},
            {"enabled_at", h.enabled_at}};
}

} // namespace

Action setup_upgrade(CLI::App& app) {
    auto opt = std::make_shared<project::UpgradeOptions>();
    auto project = std::make_shared<std::string>();
    app.add_option("--project", *project,
                   "The project folder (default: here, else the one the installed image was "
                   "built in)");
    app.add_flag("--check", opt->check,
                 "Only say whether WSL's kernel changed since the install (exit 0: current, 1: "
                 "an upgrade is due, 2: cannot tell)");
    app.add_flag("--no-verify", opt->no_verify,
                 "Do not boot the new kernel with the new image before installing it");
    app.add_flag("--force", opt->force, "Install the new image even if it was rolled back from");
    add_recipe_options(app, opt->run);
    app.get_option("--keep-going")
        ->description("Upgrade without the recipes that no longer build for the new kernel, "
                      "and list them");
    auto win = add_windows_options(app);
    return [opt, project, win](const Context& ctx) -> util::Result<int> {
        auto o = *opt;
        o.project = *project;
        auto checked = project::upgrade(o, *win, *ctx.runner, ctx.reporter());
        if (!checked && o.check) {
            // --check's 1 means "due": a check that cannot tell exits 2, whatever failed.
            auto e = checked.error();
            e.code = util::ExitCode::usage;
            return tl::unexpected(e);
        }
        auto r = WSLMOD_TRY(std::move(checked));
        if (r.failure) {
            if (r.build && !ctx.json && r.build->failure) return report_build(ctx, *r.build);
            return tl::unexpected(*r.failure);
        }
        for (const auto& w :
             r.installed ? r.installed->installed.warnings : std::vector<std::string>{})
            ctx.warn(w);
        int rc = r.state == "due" ? 1 : 0;
        if (ctx.json) {
            ctx.emit_json(upgrade_json(r));
            return rc;
        }
        print_upgrade(*ctx.out, r);
        return rc;
    };
}

Action setup_autoinstall_enable(CLI::App& app) {
    auto req = std::make_shared<project::EnableRequest>();
    auto project = std::make_shared<std::string>(".");
    app.add_option("--project", *project, "The project folder (default: the current one)");
    app.add_option("--hook", req->hook,
                   "systemd or wsl.conf (default: systemd when it is PID 1, else wsl.conf)")
        ->check(CLI::IsMember({"systemd", "wsl.conf"}));
    app.add_flag("--notify", req->notify,
                 "Install only a login notice (/etc/profile.d) that says when an upgrade is due");
    return [req, project](const Context& ctx) -> util::Result<int> {
        auto r = *req;
        r.project = fs::absolute(*project).lexically_normal();
        if (!r.project.has_filename()) r.project = r.project.parent_path();
        if (!fs::exists(r.project / recipe::manifest_name))
            return util::bad_input("no wslmod.toml in this folder", r.project.string(),
                                   "run it in the project folder, or pass --project");
        r.user = hook_user();
        std::error_code ec;
        r.wslmod = fs::read_symlink("/proc/self/exe", ec).string();
        if (ec) r.wslmod = "/usr/bin/wslmod";
        auto paths = project::AutoinstallPaths::from_env();
        auto out = WSLMOD_TRY(project::enable_autoinstall(paths, r));
        if (ctx.json) {
            auto doc = hook_json(out.hook);
            doc["unchanged"] = out.unchanged;
            ctx.emit_json(doc);
            return 0;
        }
        *ctx.out << fmt::format("{}autoinstall: {} hook in {}\n  runs `wslmod upgrade` for {} "
                                "when WSL's kernel changed{}\n",
                                out.unchanged ? "already enabled: " : "enabled ", out.hook.hook,
                                out.hook.file.string(), out.hook.project.string(),
                                out.hook.hook == "notify" ? " (only says so at login)" : "");
        return 0;
    };
}

Action setup_autoinstall_disable(CLI::App& /*app*/) {
    return [](const Context& ctx) -> util::Result<int> {
        auto paths = project::AutoinstallPaths::from_env();
        auto r = WSLMOD_TRY(project::disable_autoinstall(paths));
        if (ctx.json) {
            auto doc = hook_json(r.hook);
            doc["byte_identical"] = r.byte_identical;
            ctx.emit_json(doc);
            return 0;
        }
        *ctx.out << fmt::format("disabled autoinstall: removed the {} hook from {}\n", r.hook.hook,
                                r.hook.file.string());
        if (!r.byte_identical)
            ctx.note(r.hook.file.string() + " was edited since `autoinstall enable`, so only "
                                            "wslmod's part of [boot] command was taken out");
        return 0;
    };
}

Action setup_autoinstall_status(CLI::App& app) {
    auto cache = std::make_shared<std::string>();
    app.add_option("--cache", *cache, "Cache folder (default $XDG_CACHE_HOME/wslmod)");
    return [cache](const Context& ctx) -> util::Result<int> {
        auto paths = project::AutoinstallPaths::from_env();
        auto st = WSLMOD_TRY(project::autoinstall_status(
            paths, cache->empty() ? kernel::default_cache() : fs::path(*cache)));
        if (ctx.json) {
            nlohmann::json doc{{"enabled", st.hook.has_value()}, {"systemd", st.systemd}};
            if (st.hook) doc["hook"] = hook_json(*st.hook);
            if (st.last)
                doc["last_run"] = {{"at", st.last->at},
                                   {"result", st.last->result},
                                   {"exit_code", st.last->exit_code},
                                   {"message", st.last->message},
                                   {"log", st.last->log.string()}};
            ctx.emit_json(doc);
            return 0;
        }
        auto& out = *ctx.out;
        if (!st.hook)
            out << fmt::format("autoinstall: disabled (`wslmod autoinstall enable` adds a {} "
                               "hook)\n",
                               st.systemd ? "systemd" : "wsl.conf");
        else
            out << fmt::format("autoinstall: enabled, {} hook in {}\n  project  {}\n  user     "
                               "{}\n  since    {}\n",
                               st.hook->hook, st.hook->file.string(), st.hook->project.string(),
                               st.hook->user, st.hook->enabled_at);
        if (st.last)
            out << fmt::format("  last run {}: {}{}\n  log      {}\n", st.last->at, st.last->result,
                               st.last->message.empty() ? "" : " (" + st.last->message + ")",
                               st.last->log.string());
        else if (st.hook)
            out << "  last run none yet\n";
        return 0;
    };
}

Action setup_autoinstall_run(CLI::App& app) {
    auto opt = std::make_shared<project::UpgradeOptions>();
    auto project = std::make_shared<std::string>();
    app.add_option("--project", *project, "The project folder")->required();
    add_recipe_options(app, opt->run);
    auto win = add_windows_options(app);
    return [opt, project, win](const Context& ctx) -> util::Result<int> {
        auto o = *opt;
        o.project = *project;
        o.run.keep_going = true; // unattended: what still builds is better than nothing
        auto cache = o.run.resolved_cache();
        project::LastRun last;
        last.at = util::now_utc();
        std::ostringstream log;
        auto r = project::upgrade(o, *win, *ctx.runner, ctx.reporter());
        util::Result<int> rc = 0;
        if (!r) {
            last.result = "failed";
            last.message = r.error().message();
            rc = tl::unexpected(r.error());
        } else if (r->failure) {
            last.result = "failed";
            last.message = r->failure->message();
            rc = tl::unexpected(*r->failure);
        } else {
            last.result = r->state;
            print_upgrade(log, *r);
            if (!r->left_out.empty())
                last.message = fmt::format("left out: {}", fmt::join(r->left_out, ", "));
        }
        if (!last.message.empty()) log << last.message << "\n";
        last.exit_code = rc ? 0 : static_cast<int>(rc.error().code);
        *ctx.out << log.str();
        WSLMOD_CHECK(project::record_run(cache, last, log.str()));
        return rc;
    };
}

} // namespace wslmod::cli
