// The wall-clock time as records write it.
#pragma once

#include <string>

namespace wslmod::util {

// Now, in UTC, as ISO 8601: "2026-12-03T16:58:42Z".
std::string now_utc();

} // namespace wslmod::util
