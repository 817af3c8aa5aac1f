#include "kernel/facts.h"

#include <nlohmann/json.hpp>

namespace wslmod::kernel {

ModuleFacts module_facts(const KernelConfig& cfg) {
    ModuleFacts f;
    f.generated_for = cfg.generated_for;
    f.localversion = cfg.string_value("LOCALVERSION");
    f.localversion_auto = cfg.builtin("LOCALVERSION_AUTO");
    f.modules = cfg.builtin("MODULES");
    f.modversions = cfg.builtin("MODVERSIONS");
    f.module_sig = cfg.builtin("MODULE_SIG");
    f.module_sig_force = cfg.builtin("MODULE_SIG_FORCE");
    f.compression = cfg.builtin("MODULE_COMPRESS_ZSTD")   ? "zstd"
                    : cfg.builtin("MODULE_COMPRESS_XZ")   ? "xz"
                    : cfg.builtin("MODULE_COMPRESS_GZIP") ? "gzip"
                                                          : "none";
    f.btf_modules = cfg.builtin("DEBUG_INFO_BTF_MODULES");
    f.compiler = cfg.string_value("CC_VERSION_TEXT");
    return f;
}

nlohmann::json to_json(const ModuleFacts& f) {
    return {{"generated_for", f.generated_for},
            {"localversion", f.localversion},
            {"localversion_auto", f.localversion_auto},
            {"modules", f.modules},
            {"modversions", f.modversions},
            {"module_sig", f.module_sig},
            {"module_sig_force", f.module_sig_force},
            {"compression", f.compression},
            {"btf_modules", f.btf_modules},
            {"compiler", f.compiler}};
}

} // namespace wslmod::kernel
