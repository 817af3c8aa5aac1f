#include "project/autoinstall.h"

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/atomic_file.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/sha256.h"
#include "wsl/boot_hook.h"
#include "wsl/config_file.h"
#include "wsl/wslconfig.h"

namespace wslmod::project {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* record_format = "wslmod-autoinstall-1";
constexpr const char* unit_name = "wslmod-autoinstall.service";
constexpr const char* notice_name = "wslmod-upgrade.sh";

fs::path record_file(const AutoinstallPaths& p) {
    return p.state / "autoinstall.json";
}
fs::path before_file(const AutoinstallPaths& p) {
    return p.state / "wsl.conf.before";
}

util::Result<std::optional<HookRecord>> read_record(const AutoinstallPaths& p) {
    auto text = util::read_if_exists(record_file(p));
    if (!text) return std::optional<HookRecord>();
    auto j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || j.value("format", "") != record_format)
        return util::fail("wslmod's autoinstall record is not one this wslmod reads",
                          record_file(p).string(),
                          "remove the hook it names by hand, then the file");
    HookRecord r;
    r.hook = j.value("hook", "");
    r.file = j.value("file", "");
    r.project = j.value("project", "");
    r.user = j.value("user", "");
    r.wslmod = j.value("wslmod", "");
    r.written_sha256 = j.value("written_sha256", "");
    r.enabled_at = j.value("enabled_at", "");
    r.before_absent = j.value("before_absent", false);
    return std::optional<HookRecord>(r);
}

util::Result<void> write_record(const AutoinstallPaths& p, const HookRecord& r) {
    std::error_code ec;
    fs::create_directories(p.state, ec);
    json j{{"format", record_format},
           {"hook", r.hook},
           {"file", r.file.string()},
           {"project", r.project.string()},
           {"user", r.user},
           {"wslmod", r.wslmod},
           {"written_sha256", r.written_sha256},
           {"enabled_at", r.enabled_at},
           {"before_absent", r.before_absent}};
    return util::write_file_atomically(record_file(p), j.dump(2) + "\n");
}

wsl::HookCommand command_of(const HookRecord& r) {
    return {r.wslmod, r.project.string(), r.user};
}

// wsl.conf with wslmod's part chained into [boot] command, checked to read back as exactly that
// one change (wslconfig.h: misread).
util::Result<std::string> with_hook(const wsl::ConfigFile& conf, const std::string& part) {
    auto theirs = wsl::get_value(conf.text, "boot", "command");
    auto value = wsl::chained_command(theirs, part);
    if (!wsl::is_representable(value))
        return util::bad_input("WSL cannot read this command back from wsl.conf (it keeps one "
                               "byte of each character)",
                               value, "use a project folder whose path is ASCII");
    auto text = wsl::set_value(conf.text, "boot", "command", value);
    if (auto why = wsl::misread(conf.text, text, {{"boot.command", value}}))
        return util::fail(
            fmt::format("adding the boot command would change another setting: {}", *why),
            conf.path.string(), "add it by hand: [boot] command = " + value);
    return wsl::encode_config(text, conf.form, conf.path);
}

util::Result<std::string> enable_wsl_conf(const AutoinstallPaths& p, HookRecord& r) {
    auto conf = WSLMOD_TRY(wsl::read_config(p.wsl_conf));
    r.file = conf.path;
    auto part = wsl::boot_part(command_of(r));
    auto bytes = WSLMOD_TRY(with_hook(conf, part));
    r.before_absent = !conf.bytes.has_value();
    r.written_sha256 = util::sha256_hex(bytes);
    std::error_code ec;
    fs::create_directories(p.state, ec);
    if (conf.bytes) WSLMOD_CHECK(util::write_file_atomically(before_file(p), *conf.bytes));
    WSLMOD_CHECK(write_record(p, r)); // before the file: a crash after it is completed later
    WSLMOD_CHECK(util::write_file_atomically(conf.path, bytes));
    return bytes;
}

util::Result<void> write_hook_file(const fs::path& file, const std::string& text, HookRecord& r,
                                   const AutoinstallPaths& p) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    r.file = file;
    r.written_sha256 = util::sha256_hex(text);
    WSLMOD_CHECK(write_record(p, r));
    return util::write_file_atomically(file, text);
}

util::Result<void> remove_file(const fs::path& f) {
    std::error_code ec;
    fs::remove(f, ec);
    if (ec) return util::fail(fmt::format("cannot remove: {}", ec.message()), f.string());
    return {};
}

// Takes wslmod's part out of wsl.conf: the bytes from before enable when the file is still what
// enable wrote (or is already as it was), else only the part.
util::Result<bool> disable_wsl_conf(const AutoinstallPaths& p, const HookRecord& r) {
    auto conf = WSLMOD_TRY(wsl::read_config(r.file));
    auto before = util::read_if_exists(before_file(p));
    if (conf.bytes && util::sha256_hex(*conf.bytes) == r.written_sha256) {
        if (r.before_absent) {
            WSLMOD_CHECK(remove_file(conf.path));
        } else {
            if (!before)
                return util::fail("the copy of wsl.conf from before `autoinstall enable` is gone",
                                  before_file(p).string(),
                                  "remove wslmod's part of [boot] command by hand");
            WSLMOD_CHECK(util::write_file_atomically(conf.path, *before));
        }
        return true;
    }
    if (conf.bytes == before || (!conf.bytes && r.before_absent)) return true; // not written yet
    auto part = wsl::boot_part(command_of(r));
    auto value = wsl::get_value(conf.text, "boot", "command");
    if (!value || !wsl::holds_part(*value, part)) return false; // the user took it out already
    auto theirs = wsl::unchained_command(*value, part);
    auto text = theirs ? wsl::set_value(conf.text, "boot", "command", *theirs)
                       : wsl::remove_key(conf.text, "boot", "command");
    auto bytes = WSLMOD_TRY(wsl::encode_config(text, conf.form, conf.path));
    WSLMOD_CHECK(util::write_file_atomically(conf.path, bytes));
    return false;
}

} // namespace

AutoinstallPaths AutoinstallPaths::from_env() {
    AutoinstallPaths p;
    auto env = [](const char* name, fs::path& out) {
        if (const char* v = std::getenv(name); v && *v) out = v;
    };
    env("WSLMOD_WSL_CONF", p.wsl_conf);
    env("WSLMOD_SYSTEMD_DIR", p.systemd_dir);
    env("WSLMOD_PROFILE_D", p.profile_d);
    env("WSLMOD_STATE_DIR", p.state);
    return p;
}

bool systemd_is_init() {
    auto comm = util::read_if_exists("/proc/1/comm");
    return comm && comm->starts_with("systemd");
}

util::Result<EnableReport> enable_autoinstall(const AutoinstallPaths& p, const EnableRequest& req) {
    HookRecord r;
    r.hook = req.notify          ? "notify"
             : !req.hook.empty() ? req.hook
             : systemd_is_init() ? "systemd"
                                 : "wsl.conf";
    if (r.hook != "systemd" && r.hook != "wsl.conf" && r.hook != "notify")
        return util::bad_input("unknown hook", r.hook, "use systemd or wsl.conf");
    r.project = req.project;
    r.user = req.user;
    r.wslmod = req.wslmod;
    r.enabled_at = util::now_utc();
    if (auto had = WSLMOD_TRY(read_record(p))) {
        bool same = had->hook == r.hook && had->project == r.project && had->user == r.user &&
                    had->wslmod == r.wslmod;
        auto now = util::read_if_exists(had->file);
        if (same && now && util::sha256_hex(*now) == had->written_sha256)
            return EnableReport{*had, true};
        // The same hook, half made (a crash between the record and the file) or edited since:
        // taken out, then made again.
        if (same)
            return disable_autoinstall(p).and_then(
                [&](const DisableReport&) { return enable_autoinstall(p, req); });
        return util::bad_input(fmt::format("autoinstall is enabled already ({} hook for {})",
                                           had->hook, had->project.string()),
                               record_file(p).string(), "run `wslmod autoinstall disable` first");
    }
    auto cmd = command_of(r);
    if (r.hook == "wsl.conf") {
        WSLMOD_TRY(enable_wsl_conf(p, r));
    } else if (r.hook == "systemd") {
        auto unit = p.systemd_dir / unit_name;
        WSLMOD_CHECK(write_hook_file(unit, wsl::systemd_unit(cmd), r, p));
        // What `systemctl enable` does for WantedBy=multi-user.target, done here so that it
        // needs no running systemd (a distro where it is about to be turned on, or a test).
        auto wants = p.systemd_dir / "multi-user.target.wants";
        std::error_code ec;
        fs::create_directories(wants, ec);
        fs::remove(wants / unit_name, ec);
        fs::create_symlink(unit, wants / unit_name, ec);
        if (ec)
            return util::fail(fmt::format("cannot link: {}", ec.message()),
                              (wants / unit_name).string());
    } else {
        WSLMOD_CHECK(write_hook_file(p.profile_d / notice_name, wsl::login_notice(cmd), r, p));
    }
    return EnableReport{r, false};
}

util::Result<DisableReport> disable_autoinstall(const AutoinstallPaths& p) {
    auto had = WSLMOD_TRY(read_record(p));
    if (!had)
        return util::bad_input("autoinstall is not enabled", record_file(p).string(),
                               "nothing to disable");
    DisableReport report{*had, true};
    if (had->hook == "wsl.conf") {
        report.byte_identical = WSLMOD_TRY(disable_wsl_conf(p, *had));
        WSLMOD_CHECK(remove_file(before_file(p)));
    } else {
        if (had->hook == "systemd") {
            auto wants = had->file.parent_path() / "multi-user.target.wants";
            WSLMOD_CHECK(remove_file(wants / had->file.filename()));
            std::error_code ec;
            if (fs::is_empty(wants, ec)) fs::remove(wants, ec); // as enable found it
        }
        WSLMOD_CHECK(remove_file(had->file));
    }
    WSLMOD_CHECK(remove_file(record_file(p)));
    return report;
}

util::Result<AutoinstallStatus> autoinstall_status(const AutoinstallPaths& p,
                                                   const fs::path& cache) {
    AutoinstallStatus st;
    st.systemd = systemd_is_init();
    st.hook = WSLMOD_TRY(read_record(p));
    auto dir = cache / "autoinstall";
    if (auto text = util::read_if_exists(dir / "last.json")) {
        auto j = json::parse(*text, nullptr, false);
        if (!j.is_discarded())
            st.last = LastRun{j.value("at", ""), j.value("result", ""), j.value("message", ""),
                              j.value("exit_code", 0), dir / "last.log"};
    }
    return st;
}

util::Result<void> record_run(const fs::path& cache, LastRun run, const std::string& log) {
    auto dir = cache / "autoinstall";
    std::error_code ec;
    fs::create_directories(dir, ec);
    WSLMOD_CHECK(util::write_file_atomically(dir / "last.log", log));
    json j{{"at", run.at.empty() ? util::now_utc() : run.at},
           {"result", run.result},
           {"exit_code", run.exit_code},
           {"message", run.message}};
    return util::write_file_atomically(dir / "last.json", j.dump(2) + "\n");
}

} // namespace wslmod::project
