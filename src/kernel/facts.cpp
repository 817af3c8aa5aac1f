#include "kernel/facts.h"

#include <filesystem>
#include <regex>

#include <nlohmann/json.hpp>

#include "kernel/kernel_image.h"
#include "util/file.h"

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
    auto arch = config_arch(cfg);
    f.arch = arch ? arch_name(*arch) : "";
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
            {"compiler", f.compiler},
            {"arch", f.arch}};
}

util::Result<KernelInfo> kernel_info(const std::string& config, const std::string& stock_kernel) {
    KernelInfo info;
    info.config = config;
    if (info.config.empty()) {
        if (!std::filesystem::exists("/proc/config.gz"))
            return util::bad_input("no kernel config given and /proc/config.gz does not exist",
                                   "--config", "pass --config FILE (the published config)");
        info.config = "/proc/config.gz";
    }
    auto text = WSLMOD_TRY(util::read_text_decompressed(info.config));
    auto cfg = WSLMOD_TRY(parse_config(text, info.config));
    info.facts = module_facts(cfg);
    if (!stock_kernel.empty()) {
        auto bytes = WSLMOD_TRY(util::read_bytes(stock_kernel));
        auto image = WSLMOD_TRY(parse_kernel_image(bytes, stock_kernel));
        info.release = image.release;
        info.banner = image.version_string;
        info.image_format = image.format;
        WSLMOD_CHECK(check_arch(cfg, image, stock_kernel));
    }
    return info;
}

std::string gcc_major(const std::string& text) {
    std::smatch m;
    static const std::regex version(R"((\d+)\.\d+\.\d+)");
    return std::regex_search(text, m, version) ? m[1].str() : "";
}

} // namespace wslmod::kernel
