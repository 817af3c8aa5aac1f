#include "support/fake_windows.h"

#include <cstdlib>
#include <fstream>

#include "support/catch.h"
#include "support/prereq.h"

namespace wslmod::test {
namespace fs = std::filesystem;

namespace {

void script(const fs::path& p, const std::string& text) {
    std::ofstream(p) << text;
    fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
}

} // namespace

FakeWindows::FakeWindows(const fs::path& dir) {
    root = dir / "c";
    bin = dir / "bin";
    profile = root / "Users/Ann Lee";
    local = profile / "AppData/Local";
    tools = root / "Program Files/WSL/tools";
    for (const auto& d : {bin, local, tools})
        fs::create_directories(d);
    fs::copy_file(debian_kernel().kernel, tools / "kernel");
    // wslpath -u 'C:\a\b' -> <root>/a/b ; wslpath -w /x -> C:\... (only below the root).
    script(bin / "wslpath", "#!/bin/sh\nroot='" + root.string() + "'\n" + R"SH(case "$1" in
-u) p=$(printf '%s' "$2" | sed -e 's/^[Cc]:[\\/]//' -e 's/\\/\//g'); printf '%s/%s\n' "$root" "$p" ;;
-w) case "$2" in "$root"/*) r=${2#"$root"/}; printf 'C:\\%s\n' "$(printf '%s' "$r" | sed 's/\//\\/g')" ;;
    *) echo "wslpath: $2: not on a Windows drive" >&2; exit 1 ;; esac ;;
*) echo "wslpath: unknown option $1" >&2; exit 1 ;;
esac
)SH");
    // cmd.exe /d /u /c "echo %NAME%": UTF-16LE with CRLF.  Started outside a Windows folder it
    // first complains on stderr, in the console code page (plain bytes, not UTF-16), as the
    // real one does.
    script(bin / "cmd.exe", "#!/bin/sh\nroot='" + root.string() + "'\n" + R"SH(eval last=\${$#}
case "$last" in
  *%USERPROFILE%*) v='C:\Users\Ann Lee' ;;
  *%LOCALAPPDATA%*) v='C:\Users\Ann Lee\AppData\Local' ;;
  *) v=$(printf '%s' "$last" | sed 's/^echo //') ;;
esac
case "$(pwd)/" in
  "$root"/*) ;;
  *) printf '%s\r\n' "'\\\\wsl.localhost\\Debian$(pwd | sed 's/\//\\/g')'" \
       "CMD.EXE was started with the above path as the current directory." \
       "UNC paths are not supported.  Defaulting to Windows directory." >&2 ;;
esac
printf '%s\r\n' "$v" | iconv -f UTF-8 -t UTF-16LE
)SH");
    script(bin / "wsl.exe", R"SH(#!/bin/sh
[ "$1" = --version ] || { echo "fake wsl.exe: only --version" >&2; exit 1; }
printf '\377\376'
printf 'WSL version: %s\r\nKernel version: 6.6.87.2-1\r\nWSLg version: 1.0.66\r\nWindows version: 10.0.26100.4652\r\n' "${FAKE_WSL_VERSION:-2.5.9.0}" | iconv -f UTF-8 -t UTF-16LE
)SH");
}

std::vector<std::pair<std::string, std::string>> FakeWindows::env() const {
    const char* path = std::getenv("PATH");
    return {{"PATH", bin.string() + ":" + (path ? path : "/usr/bin:/bin")},
            {"FAKE_WSL_VERSION", wsl_version},
            {"WSLMOD_WINDOWS_ROOT", ""},
            {"WSLMOD_USERPROFILE", ""},
            {"WSLMOD_LOCALAPPDATA", ""},
            {"WSLMOD_INSTALL_DIR", ""},
            {"WSLMOD_WSL_TOOLS", ""},
            {"WSLMOD_WSL_EXE", ""},
            {"WSLMOD_KILL_AT", ""}};
}

util::CommandOutput
FakeWindows::wslmod(std::vector<std::string> args, const fs::path& cwd,
                    std::vector<std::pair<std::string, std::string>> extra) const {
    args.insert(args.begin(), wslmod_binary().string());
    util::Command cmd(args);
    cmd.in(cwd.empty() ? root.parent_path() : cwd);
    cmd.env = env();
    for (auto& e : extra) {
        bool replaced = false;
        for (auto& have : cmd.env)
            if (have.first == e.first) {
                have.second = e.second;
                replaced = true;
            }
        if (!replaced) cmd.env.push_back(std::move(e));
    }
    util::SystemRunner r;
    auto out = r.run(cmd);
    REQUIRE(out);
    return *out;
}

} // namespace wslmod::test
