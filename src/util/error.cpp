#include "util/error.h"

namespace wslmod::util {

std::string Error::message() const {
    std::string out;
    if (!where.empty()) out += where + ": ";
    out += what;
    if (!hint.empty()) out += " (" + hint + ")";
    return out;
}

} // namespace wslmod::util
