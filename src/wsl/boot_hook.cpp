#include "wsl/boot_hook.h"

#include <fmt/format.h>

namespace wslmod::wsl {

std::string shell_quoted(std::string_view s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string run_command(const HookCommand& c) {
    auto cmd = fmt::format("{} autoinstall run --project {}", shell_quoted(c.wslmod),
                           shell_quoted(c.project));
    if (c.user.empty() || c.user == "root") return cmd;
    return fmt::format("runuser -u {} -- {}", shell_quoted(c.user), cmd);
}

std::string boot_part(const HookCommand& c) {
    return fmt::format("nohup {} >/dev/null 2>&1 &", run_command(c));
}

namespace {

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    return s;
}

} // namespace

std::string chained_command(const std::optional<std::string>& theirs, const std::string& part) {
    if (!theirs || trimmed(*theirs).empty()) return part;
    auto t = std::string(trimmed(*theirs));
    // "a &; b" is a syntax error in sh: after a background job the next command just follows.
    // " ; " (not "; ") keeps the two apart again when the user's own ends in ';'.
    return t.back() == '&' || t.back() == ';' ? t + " " + part : t + " ; " + part;
}

bool holds_part(const std::string& value, const std::string& part) {
    return value.size() >= part.size() &&
           value.compare(value.size() - part.size(), part.size(), part) == 0;
}

std::optional<std::string> unchained_command(const std::string& value, const std::string& part) {
    if (!holds_part(value, part)) return std::nullopt;
    auto rest = std::string_view(value).substr(0, value.size() - part.size());
    if (rest.ends_with(" ; ")) rest.remove_suffix(3); // chained_command's own separator
    rest = trimmed(rest);
    if (rest.empty()) return std::nullopt;
    return std::string(rest);
}

std::string systemd_unit(const HookCommand& c) {
    std::string user = c.user.empty() || c.user == "root" ? "" : "User=" + c.user + "\n";
    return fmt::format(
        "# Written by `wslmod autoinstall enable`; `wslmod autoinstall disable` removes it.\n"
        "# After a WSL update replaced the stock kernel, rebuilds the modules image of {} for\n"
        "# it and installs it (`wslmod upgrade`); otherwise it exits at once.\n"
        "[Unit]\n"
        "Description=wslmod: rebuild the modules image when WSL's kernel changed\n"
        "After=local-fs.target network-online.target\n"
        "Wants=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        "{}"
        "ExecStart={} autoinstall run --project {}\n"
        "Nice=10\n"
        "IOSchedulingClass=idle\n"
        "TimeoutStartSec=infinity\n"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n",
        c.project, user, shell_quoted(c.wslmod), shell_quoted(c.project));
}

std::string login_notice(const HookCommand& c) {
    return fmt::format(
        "# Written by `wslmod autoinstall enable --notify`; `wslmod autoinstall disable` removes "
        "it.\n"
        "# Says at an interactive login when WSL's kernel changed since wslmod installed an "
        "image.\n"
        "case $- in *i*)\n"
        "  if [ -x {0} ]; then\n"
        "    {0} upgrade --check --project {1} >/dev/null 2>&1\n"
        "    [ $? -eq 1 ] && echo \"wslmod: WSL's kernel changed; run: cd {2} && wslmod upgrade\"\n"
        "  fi ;;\n"
        "esac\n",
        shell_quoted(c.wslmod), shell_quoted(c.project), shell_quoted(c.project));
}

} // namespace wslmod::wsl
