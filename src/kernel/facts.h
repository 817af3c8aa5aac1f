// The facts of a kernel config that decide whether an out-of-tree module can load: what
// `wslmod kernel info` shows and what later steps check.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kernel/config.h"
#include "util/error.h"

namespace wslmod::kernel {

struct ModuleFacts {
    std::string generated_for;      // version in the config header, e.g. "6.18.20.1"
    std::string localversion;       // CONFIG_LOCALVERSION
    bool localversion_auto = false; // CONFIG_LOCALVERSION_AUTO: git builds append "+"/"-gSHA"
    bool modules = false;           // CONFIG_MODULES
    bool modversions = false;       // CONFIG_MODVERSIONS: symbol CRCs must match the kernel's
    bool module_sig = false;        // CONFIG_MODULE_SIG
    bool module_sig_force = false;  // CONFIG_MODULE_SIG_FORCE: unsigned modules are refused
    std::string compression;        // "none", "gzip", "xz" or "zstd" (CONFIG_MODULE_COMPRESS_*)
    bool btf_modules = false;       // CONFIG_DEBUG_INFO_BTF_MODULES: pahole needed at build time
    std::string compiler;           // CONFIG_CC_VERSION_TEXT
    std::string arch;               // "x86_64" (CONFIG_X86_64), "arm64" (CONFIG_ARM64), or ""
};

// Extracts the facts from `cfg`.
ModuleFacts module_facts(const KernelConfig& cfg);

// JSON form, for --json.
nlohmann::json to_json(const ModuleFacts& facts);

// `wslmod kernel info`: the facts of a published config (`config`, or the running kernel's
// /proc/config.gz when empty), and the release and banner of a stock kernel image when named;
// an image of another architecture than the config's is an input error.
struct KernelInfo {
    std::string config; // the file read
    ModuleFacts facts;
    std::string release, banner; // empty without a stock kernel
    std::string image_format;    // "bzImage" or "Image"; empty without a stock kernel
};
util::Result<KernelInfo> kernel_info(const std::string& config, const std::string& stock_kernel);

// The major version in a compiler's version text ("gcc (GCC) 13.2.0" -> "13"); empty if none.
std::string gcc_major(const std::string& version_text);

} // namespace wslmod::kernel
