// wslmod's own version, from the CMake project version.
#pragma once

namespace wslmod::cli {

// Version string, e.g. "0.1.0".
const char* version();

} // namespace wslmod::cli
