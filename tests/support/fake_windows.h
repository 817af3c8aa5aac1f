// A fake Windows side for tests of the WSL integration: a folder that stands for C:\ with a
// user profile ("C:\Users\Ann Lee", a space on purpose), %LOCALAPPDATA% and WSL's tools folder
// (tools\kernel is Debian's bzImage), and fake wsl.exe, wslpath and cmd.exe scripts on PATH.
// wsl.exe and cmd.exe answer in UTF-16LE as the real ones do; wsl.exe reports $FAKE_WSL_VERSION
// (default 2.5.9.0).  wslmod reaches all of it only through its documented overrides and
// programs, so the same code runs on a real WSL machine.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "util/process.h"

namespace wslmod::test {

struct FakeWindows {
    std::filesystem::path root, bin, profile, local, tools;
    std::string wsl_version = "2.5.9.0";

    // A fresh fake Windows side in `dir`.
    explicit FakeWindows(const std::filesystem::path& dir);

    std::filesystem::path wslconfig() const { return profile / ".wslconfig"; }
    std::filesystem::path install_root() const { return local / "wslmod"; }
    // The environment wslmod runs with: PATH with the fakes first, FAKE_WSL_VERSION.
    std::vector<std::pair<std::string, std::string>> env() const;
    // Runs wslmod with `args` in `cwd` (default: root's parent) with env() and `extra` env.
    util::CommandOutput wslmod(std::vector<std::string> args, const std::filesystem::path& cwd = {},
                               std::vector<std::pair<std::string, std::string>> extra = {}) const;
};

} // namespace wslmod::test
