// A module name as the kernel spells it: modprobe and /proc/modules use '_' where file and
// recipe names may use '-', so tests compare names in this spelling.
#pragma once

#include <algorithm>
#include <string>

namespace wslmod::test {

inline std::string kernel_name(std::string n) {
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
}

} // namespace wslmod::test
