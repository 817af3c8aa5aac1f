// kmod's depmod on the staging tree, with its warnings treated as errors:
//   depmod -b <base> -e -E <Module.symvers> <release>
// -e -E makes depmod report every symbol a module needs that neither the kernel (the vmlinux
// lines of Module.symvers) nor another module exports, and every CRC that disagrees with the
// kernel's.  depmod exits 0 either way, so its output is parsed:
//   depmod: WARNING: <path> needs unknown symbol <sym>
//   depmod: WARNING: <path> disagrees about version of symbol <sym>
//   depmod: WARNING: <anything else>        (a loop, a bad file...)
//   depmod: ERROR: <anything>
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"
#include "util/process.h"

namespace wslmod::modules {

struct DepmodIssue {
    enum class Kind { unknown_symbol, symbol_version, other } kind = Kind::other;
    std::string module; // path below the modules root, when the line names one
    std::string symbol;
    std::string line; // as depmod printed it
};

// The issues in depmod's output; `root` (the modules folder depmod read) is stripped from paths.
std::vector<DepmodIssue> parse_depmod_output(std::string_view output, const std::string& root);

// One line for the user: what is wrong and what to do.
util::Error depmod_error(const std::vector<DepmodIssue>& issues, const std::string& where);

// Runs depmod and returns what it reported (empty: a sound tree); failing to run, or a non-zero
// exit without a message, is an error.
util::Result<std::vector<DepmodIssue>> run_depmod(util::CommandRunner& runner,
                                                  const std::filesystem::path& base,
                                                  const std::string& release,
                                                  const std::filesystem::path& symvers);

} // namespace wslmod::modules
