#include "wsl/windows.h"

#include <cstdlib>
#include <fstream>
#include <sys/utsname.h>

#include <fmt/format.h>

namespace wslmod::wsl {
namespace fs = std::filesystem;

namespace {

std::string env_or(const char* name, std::string fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : fallback;
}

std::string trim(std::string s) {
    while (!s.empty() &&
           (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t'))
        s.pop_back();
    size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
        ++i;
    return s.substr(i);
}

// The last non-empty line: cmd.exe may first complain about a UNC current folder.
std::string last_line(const std::string& text) {
    std::string last, line;
    for (char c : text + "\n") {
        if (c == '\n') {
            if (!trim(line).empty()) last = trim(line);
            line.clear();
        } else {
            line += c;
        }
    }
    return last;
}

const char* no_windows_hint = "run wslmod inside WSL 2 (with interop enabled), or set "
                              "WSLMOD_WINDOWS_ROOT=DIR (or pass --windows-root DIR) for a folder "
                              "that stands for C:\\";

} // namespace

WindowsOptions WindowsOptions::from_env() {
    WindowsOptions o;
    o.root = env_or("WSLMOD_WINDOWS_ROOT", "");
    o.userprofile = env_or("WSLMOD_USERPROFILE", "");
    o.localappdata = env_or("WSLMOD_LOCALAPPDATA", "");
    o.install_dir = env_or("WSLMOD_INSTALL_DIR", "");
    o.wsl_tools = env_or("WSLMOD_WSL_TOOLS", "");
    o.wsl_exe = env_or("WSLMOD_WSL_EXE", "wsl.exe");
    o.release = env_or("WSLMOD_KERNEL_RELEASE", "");
    return o;
}

bool is_wsl2_release(const std::string& release) {
    auto r = release;
    if (!r.empty() && r.back() == '+') r.pop_back();
    return r.ends_with("-microsoft-standard-WSL2");
}

Detection detect(const WindowsOptions& options) {
    Detection d;
    d.release = options.release;
    if (d.release.empty()) {
        struct utsname u {};
        if (::uname(&u) == 0) d.release = u.release;
    }
    d.wsl2_release = is_wsl2_release(d.release);
    d.distro = env_or("WSL_DISTRO_NAME", "");
    std::error_code ec;
    d.interop = fs::exists("/proc/sys/fs/binfmt_misc/WSLInterop", ec) ||
                fs::exists("/proc/sys/fs/binfmt_misc/WSLInterop-late", ec);
    return d;
}

util::Result<fs::path> Windows::to_linux(const std::string& w) const {
    if (!o_.root.empty()) {
        if (w.size() < 3 || (w[0] != 'C' && w[0] != 'c') || w[1] != ':' ||
            (w[2] != '\\' && w[2] != '/'))
            return util::bad_input("only C:\\ paths map into --windows-root", w,
                                   "use a path on C:");
        std::string rel = w.substr(3);
        for (auto& c : rel)
            if (c == '\\') c = '/';
        return o_.root / rel;
    }
    if (!util::find_program("wslpath"))
        return util::fail("cannot turn a Windows path into a Linux one: wslpath is not here", w,
                          no_windows_hint);
    auto out = WSLMOD_TRY(runner_->run(util::Command({"wslpath", "-u", w})));
    auto p = trim(out.output);
    if (out.exit_code != 0 || p.empty() || p.find('\n') != std::string::npos)
        return util::fail(fmt::format("wslpath -u failed: {}", last_line(out.output)), w,
                          no_windows_hint);
    return fs::path(p);
}

util::Result<std::string> Windows::to_windows(const fs::path& p) const {
    if (!o_.root.empty()) {
        auto root = fs::weakly_canonical(o_.root);
        auto full = fs::weakly_canonical(fs::absolute(p));
        auto rel = full.lexically_relative(root);
        if (rel.empty() || *rel.begin() == "..")
            return util::bad_input(
                "this path is not below --windows-root, so Windows cannot see it", p.string(),
                "put it below the folder that stands for C:\\");
        std::string w = "C:\\";
        if (rel != ".") w += rel.string();
        for (auto& c : w)
            if (c == '/') c = '\\';
        return w;
    }
    if (!util::find_program("wslpath"))
        return util::fail("cannot name this path for Windows: wslpath is not here", p.string(),
                          no_windows_hint);
    auto out = WSLMOD_TRY(runner_->run(util::Command({"wslpath", "-w", p.string()})));
    auto w = trim(out.output);
    if (out.exit_code != 0 || w.empty() || w.find('\n') != std::string::npos)
        return util::fail(fmt::format("wslpath -w failed: {}", last_line(out.output)), p.string(),
                          no_windows_hint);
    return w;
}

util::Result<std::string> Windows::variable(const std::string& name) const {
    if (name == "USERPROFILE" && !o_.userprofile.empty()) return o_.userprofile;
    if (name == "LOCALAPPDATA" && !o_.localappdata.empty()) return o_.localappdata;
    if (!util::find_program("cmd.exe"))
        return util::fail(
            fmt::format("cannot read %{}%: cmd.exe is not here (no WSL interop)", name), name,
            fmt::format("set WSLMOD_{} to its Windows value, or {}", name, no_windows_hint));
    // Started in a Windows folder: from a Linux one cmd.exe first complains on stderr, in the
    // console's code page, that UNC paths are not supported, and that would be mixed into the
    // UTF-16 answer (the runner keeps one stream).
    util::Command cmd({"cmd.exe", "/d", "/u", "/c", "echo %" + name + "%"});
    if (auto c = to_linux("C:\\"); c && fs::is_directory(*c)) cmd.in(*c);
    auto out = WSLMOD_TRY(runner_->run(cmd));
    auto value = last_line(console_text(out.output));
    if (out.exit_code != 0 || value.empty() || value == "%" + name + "%")
        return util::fail(fmt::format("cmd.exe did not give %{}%", name), value,
                          fmt::format("set WSLMOD_{}", name));
    return value;
}

util::Result<fs::path> Windows::wslconfig() const {
    auto profile = WSLMOD_TRY(variable("USERPROFILE"));
    return WSLMOD_TRY(to_linux(profile + "\\.wslconfig"));
}

util::Result<fs::path> Windows::install_root() const {
    // Not below %USERPROFILE% itself: WSL 2.7.3 could not attach a VHD there (E_ACCESSDENIED,
    // microsoft/WSL#40482).  %LOCALAPPDATA% is the per-user place for program data.
    if (!o_.install_dir.empty()) return to_linux(o_.install_dir);
    auto local = WSLMOD_TRY(variable("LOCALAPPDATA"));
    return WSLMOD_TRY(to_linux(local + "\\wslmod"));
}

util::Result<fs::path> Windows::tools() const {
    return to_linux(o_.wsl_tools.empty() ? std::string("C:\\Program Files\\WSL\\tools")
                                         : o_.wsl_tools);
}

util::Result<WslVersion> Windows::wsl_version() const {
    if (!util::find_program(o_.wsl_exe))
        return util::fail("cannot tell WSL's version: wsl.exe is not here", o_.wsl_exe,
                          "set WSLMOD_WSL_EXE to wsl.exe's Linux path, or " +
                              std::string(no_windows_hint));
    auto out = WSLMOD_TRY(runner_->run(
        util::Command({o_.wsl_exe, "--version"}).with_timeout(std::chrono::seconds(30))));
    return parse_wsl_version(out.output, o_.wsl_exe + " --version");
}

} // namespace wslmod::wsl
