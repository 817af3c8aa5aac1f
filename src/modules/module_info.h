// What a module file says about itself (.modinfo), read through libkmod the way modprobe
// reads it: name, vermagic, depends, srcversion, firmware.  Used to check every built module before
// it enters the build cache.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::modules {

struct ModuleInfo {
    std::string name, vermagic, srcversion, license;
    std::vector<std::string> depends;
    std::vector<std::string> firmware; // firmware files it may request (below /lib/firmware)
};

// Reads `ko` (plain or compressed, as libkmod supports).
util::Result<ModuleInfo> module_info(const std::filesystem::path& ko);

} // namespace wslmod::modules
