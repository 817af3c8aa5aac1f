// The Windows side of a WSL machine, seen from Linux: where C:\ is, the user's folders, WSL's
// own tools folder and wsl.exe.  Everything is found the way WSL itself exposes it, and every
// piece can be overridden, which is how the tests stand a folder in for C:\.
//
//   what                   default                                  override
//   C:\ <-> Linux paths    wslpath -u / wslpath -w                  --windows-root DIR or
//   WSLMOD_WINDOWS_ROOT
//                                                                   (DIR stands for C:\; no wslpath
//                                                                   is run)
//   %USERPROFILE%          cmd.exe /d /u /c echo %USERPROFILE%      WSLMOD_USERPROFILE (Windows
//   form) %LOCALAPPDATA%         cmd.exe /d /u /c echo %LOCALAPPDATA%     WSLMOD_LOCALAPPDATA
//   install root           %LOCALAPPDATA%\wslmod                    WSLMOD_INSTALL_DIR (Windows
//   form) WSL's tools folder     C:\Program Files\WSL\tools (the MSI's)   WSLMOD_WSL_TOOLS (Windows
//   form) wsl.exe                wsl.exe on PATH (WSL interop)            WSLMOD_WSL_EXE running
//   release        uname -r                                 WSLMOD_KERNEL_RELEASE
//
// cmd.exe runs with /u, so its output is UTF-16LE and user names outside the OEM code page
// survive; wsl.exe --version also writes UTF-16LE (wsl_version.h decodes both).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "util/error.h"
#include "util/process.h"
#include "wsl/wsl_version.h"

namespace wslmod::wsl {

struct WindowsOptions {
    std::filesystem::path root; // stands for C:\ when set
    std::string userprofile, localappdata, install_dir, wsl_tools, wsl_exe = "wsl.exe", release;

    // The defaults above with the WSLMOD_* environment variables applied.
    static WindowsOptions from_env();
};

// Is this Linux running inside WSL 2?  Read from the kernel release, WSL_DISTRO_NAME and the
// WSLInterop binfmt entry.
struct Detection {
    std::string release;       // running kernel (uname -r, or WSLMOD_KERNEL_RELEASE)
    bool wsl2_release = false; // release ends in -microsoft-standard-WSL2 (optionally with '+')
    std::string distro;        // $WSL_DISTRO_NAME
    bool interop = false;      // /proc/sys/fs/binfmt_misc/WSLInterop (or WSLInterop-late) exists
    bool wsl2() const { return wsl2_release || (!distro.empty() && interop); }
};
Detection detect(const WindowsOptions& options);

// True for a stock WSL 2 kernel release, e.g. 6.6.87.2-microsoft-standard-WSL2.
bool is_wsl2_release(const std::string& release);

class Windows {
  public:
    Windows(WindowsOptions options, util::CommandRunner& runner)
        : o_(std::move(options)), runner_(&runner) {}
    const WindowsOptions& options() const { return o_; }

    // C:\a\b -> the Linux path; /x/y -> C:\... (the folder need not exist with --windows-root).
    util::Result<std::filesystem::path> to_linux(const std::string& windows_path) const;
    util::Result<std::string> to_windows(const std::filesystem::path& linux_path) const;

    // A Windows environment variable (Windows form), through the override or cmd.exe.
    util::Result<std::string> variable(const std::string& name) const;

    util::Result<std::filesystem::path> wslconfig() const;    // %USERPROFILE%\.wslconfig
    util::Result<std::filesystem::path> install_root() const; // %LOCALAPPDATA%\wslmod
    util::Result<std::filesystem::path> tools() const;        // WSL's tools folder
    util::Result<WslVersion> wsl_version() const;             // wsl.exe --version

  private:
    WindowsOptions o_;
    util::CommandRunner* runner_;
};

} // namespace wslmod::wsl
