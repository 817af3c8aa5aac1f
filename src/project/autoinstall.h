// `wslmod autoinstall`: DKMS's AUTOINSTALL for WSL.  enable puts a hook in the distro that runs
// `wslmod autoinstall run` (an upgrade, project/upgrade.h) when it starts, so a WSL kernel update
// is followed by a rebuilt and installed image without the user asking; disable takes the hook
// out again, leaving the files as they were.
//
// Hooks (texts in wsl/boot_hook.h):
//   systemd    <systemd dir>/wslmod-autoinstall.service and its multi-user.target.wants/ link
//              (what `systemctl enable` makes), when systemd is PID 1
//   wsl.conf   [boot] command in /etc/wsl.conf, chained after the user's own command, when it
//              is not; every other byte of the file is kept (its encoding, CRLF, comments)
//   notify     --notify: only a login notice in /etc/profile.d/ that says an upgrade is due
// Paths: WSLMOD_WSL_CONF, WSLMOD_SYSTEMD_DIR, WSLMOD_PROFILE_D and WSLMOD_STATE_DIR override
// /etc/wsl.conf, /etc/systemd/system, /etc/profile.d and /var/lib/wslmod (tests use scratch ones).
//
// <state>/autoinstall.json ("wslmod-autoinstall-1"): hook, file, project, user, wslmod,
// written_sha256 (of the file as enable left it), before_absent, enabled_at.  For wsl.conf,
// <state>/wsl.conf.before holds its bytes before enable (none when it did not exist).  enable
// writes the record before the file and disable removes it after, so a crash in between leaves a
// record that the next enable or disable completes.  disable restores wsl.conf byte for byte when
// it is still what enable wrote; when it was edited since, only wslmod's part of the command
// goes, and the report says so.
//
// <cache>/autoinstall/last.json: the last run's at, result (current, upgraded, failed), exit
// code and message; last.log its output.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "util/error.h"

namespace wslmod::project {

struct AutoinstallPaths {
    std::filesystem::path wsl_conf = "/etc/wsl.conf", systemd_dir = "/etc/systemd/system",
                          profile_d = "/etc/profile.d", state = "/var/lib/wslmod";
    // The defaults with the WSLMOD_* overrides above.
    static AutoinstallPaths from_env();
};

struct HookRecord {
    std::string hook; // systemd, wsl.conf or notify
    std::filesystem::path file, project;
    std::string user, wslmod, written_sha256, enabled_at;
    bool before_absent = false;
};

struct EnableRequest {
    std::filesystem::path project; // absolute
    std::string hook;              // empty: systemd when it is PID 1, else wsl.conf
    bool notify = false;           // the login notice only
    std::string user;              // who the hook runs as
    std::string wslmod;            // the program, absolute
};

struct EnableReport {
    HookRecord hook;
    bool unchanged = false; // the same hook was enabled already
};

util::Result<EnableReport> enable_autoinstall(const AutoinstallPaths& paths,
                                              const EnableRequest& request);

struct DisableReport {
    HookRecord hook;
    bool byte_identical = true; // false: wsl.conf was edited since, so only wslmod's part went
};

util::Result<DisableReport> disable_autoinstall(const AutoinstallPaths& paths);

struct LastRun {
    std::string at, result, message;
    int exit_code = 0;
    std::filesystem::path log;
};

struct AutoinstallStatus {
    std::optional<HookRecord> hook;
    std::optional<LastRun> last;
    bool systemd = false; // systemd is PID 1 here
};

util::Result<AutoinstallStatus> autoinstall_status(const AutoinstallPaths& paths,
                                                   const std::filesystem::path& cache);

// Records a run in <cache>/autoinstall/ (last.json, and `log` as last.log).
util::Result<void> record_run(const std::filesystem::path& cache, LastRun run,
                              const std::string& log);

// Whether systemd is PID 1.
bool systemd_is_init();

} // namespace wslmod::project
