// Reading bash's `declare -p` output back into values.  Hand-written: no library parses it, and
// it is the only faithful way to get what a sourced bash fragment (a dkms.conf) left behind.
// Handles scalars and indexed arrays with any attributes (-- -x -i -a -ax), bash's escapes
// inside "...", $'...' (octal, hex, \u, \c, \E) and '...', embedded newlines, sparse indexes,
// and the quoted-array form of bash before 4.4.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.h"

namespace wslmod::util {

// One bash variable: (index, value) pairs in index order; a scalar is index 0.
using BashVar = std::vector<std::pair<long, std::string>>;
using BashVars = std::map<std::string, BashVar>;

// Parses the output of bash's `declare -p`.  Declared-but-unset variables are left out;
// associative arrays and namerefs are errors.
Result<BashVars> parse_declare_p(std::string_view text);

} // namespace wslmod::util
