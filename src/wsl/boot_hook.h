// The texts of `wslmod autoinstall`'s hooks, as pure functions on strings (the files are written
// by project/autoinstall.h).
//
// wsl.conf [boot] command: WSL runs it as root when the distro starts, through /bin/sh, and
// reads /etc/wsl.conf with the same parser as .wslconfig (wslconfig.h: the first valid `command`
// counts, `#` comments, `\` escapes).  wslmod's part is one shell command, put after the user's
// own command (chained with ` ; `, or after a trailing `&` or `;`) and in the background, so the
// distro's start never waits for a rebuild:
//   <user's command> ; nohup <wslmod> autoinstall run --project '<dir>' >/dev/null 2>&1 &
// (run as the project's owner through runuser when that is not root).
//
// systemd unit (wslmod-autoinstall.service): a oneshot, after the network and local mounts,
// started by multi-user.target but ordered before nothing, so no unit (and no login) waits for
// it; its output goes to the journal.  Nice and idle I/O keep the distro usable while a rebuild
// compiles.
//
// Login notice (/etc/profile.d/wslmod-upgrade.sh): on an interactive login only, asks
// `wslmod upgrade --check` and prints what to run when an upgrade is due.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wslmod::wsl {

struct HookCommand {
    std::string wslmod;  // the program, absolute
    std::string project; // the project folder, absolute
    std::string user;    // who runs it; empty or "root": as root
};

// `s` in single quotes for /bin/sh.
std::string shell_quoted(std::string_view s);

// The command line the hooks run: `<wslmod> autoinstall run --project '<dir>'` (as `user`).
std::string run_command(const HookCommand& c);

// wslmod's part of the [boot] command (see above).
std::string boot_part(const HookCommand& c);

// The [boot] command value with wslmod's part chained after `theirs` (none: wslmod's alone).
std::string chained_command(const std::optional<std::string>& theirs, const std::string& part);

// The user's own command from a [boot] command value that holds wslmod's `part` (nullopt: only
// wslmod's was there); nullopt as well when `value` does not hold the part at all, which
// `holds_part` tells apart.
std::optional<std::string> unchained_command(const std::string& value, const std::string& part);
bool holds_part(const std::string& value, const std::string& part);

// The systemd unit's text.
std::string systemd_unit(const HookCommand& c);

// The login notice's text.
std::string login_notice(const HookCommand& c);

} // namespace wslmod::wsl
