// The output of `wsl.exe --version`: which WSL runs, and whether it can load a kernelModules= image
// (WSL 2.5.1 and newer).
//
//   WSL version: 2.5.9.0              the first line with a dotted version (3 or more numbers)
//   Kernel version: 6.6.87.2-1        the next one: the kernel WSL ships, suffix kept
//   WSLg version: 1.0.66              ... further lines are ignored
//   Windows version: 10.0.26100.4652
//
// wsl.exe writes UTF-16LE to a pipe (often with a BOM FF FE, CRLF line ends) unless WSL_UTF8=1
// makes it write UTF-8; both are read.  UTF-16LE is told by its BOM or by a NUL byte at an odd
// offset (UTF-8 text has no NUL).  The labels are localized ("WSL-Version: 2.4.13.0",
// "WSL バージョン: 1.0.0.0", "内核版本: 6.6.87.1-1"), so the English labels are used when present
// and otherwise the order of the lines.  Inbox WSL (before 0.64) does not know --version and prints
// its usage text: no version line, an error.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "util/error.h"

namespace wslmod::wsl {

struct WslVersion {
    int major = 0, minor = 0, patch = 0, build = 0;
    std::string text;   // "2.5.9.0"
    std::string kernel; // "6.6.87.2-1", or empty when the output names none
};

// The versions in `output` (raw bytes of `wsl.exe --version`); an error (bad_input) names
// `where` and quotes what was printed instead.
util::Result<WslVersion> parse_wsl_version(std::string_view output, const std::string& where);

// Whether WSL `v` reads [wsl2] kernelModules= (2.5.1 or newer).
bool supports_kernel_modules(const WslVersion& v);

// Whether WSL `v` may refuse to attach a VHD stored under C:\Users (HCS/E_ACCESSDENIED): the
// 2.7 releases from 2.7.3 (microsoft/WSL#40482; the fix grants the VM access, HcsGrantVmAccess).
bool may_deny_vhds_under_users(const WslVersion& v);

// Orders `a` and `b` by their numbers (major, minor, patch, build); text and kernel do not count.
std::strong_ordering compare(const WslVersion& a, const WslVersion& b);
bool operator<(const WslVersion& a, const WslVersion& b);

// Console output of a Windows program as UTF-8: UTF-16LE (BOM or NULs at odd offsets) is
// decoded, a UTF-8 BOM dropped, anything else returned as it is.
std::string console_text(std::string_view output);

} // namespace wslmod::wsl
