#include "kernel/source_subset.h"

namespace wslmod::kernel {
namespace {

bool under(std::string_view rel, std::string_view folder) {
    return rel.size() > folder.size() && rel.starts_with(folder) && rel[folder.size()] == '/';
}

bool kbuild_file(std::string_view name) {
    return name.starts_with("Kconfig") || name.starts_with("Makefile") ||
           name.starts_with("Kbuild");
}

bool in_tools(std::string_view rel, const SourceSubset& s) {
    if (rel == "tools/Makefile") return true;
    for (std::string_view folder : {"tools/objtool", "tools/bpf/resolve_btfids", "tools/build",
                                    "tools/include", "tools/lib", "tools/scripts"})
        if (under(rel, folder)) return true;
    return under(rel, "tools/arch/" + s.srcarch);
}

} // namespace

bool in_source_subset(std::string_view rel, const SourceSubset& s) {
    if (rel.empty()) return false;
    auto slash = rel.rfind('/');
    if (slash == std::string_view::npos) return true; // the files at the top
    if (kbuild_file(rel.substr(slash + 1))) return true;
    if (!s.config_in_source.empty() && rel == s.config_in_source) return true;
    for (std::string_view folder :
         {"include", "scripts", "kernel", "certs", "usr", "security/selinux/include"})
        if (under(rel, folder)) return true;
    if (under(rel, "arch/" + s.srcarch)) return true;
    // arm64's modules_prepare builds the vDSOs (vdso_prepare): their C comes from lib/vdso,
    // and the 32-bit compat one's post-processing tool from arch/arm/vdso.
    if (s.srcarch == "arm64" && (under(rel, "lib/vdso") || under(rel, "arch/arm/vdso")))
        return true;
    if (under(rel, "tools")) return in_tools(rel, s);
    return false;
}

std::optional<std::string> subset_srcarch(const KernelConfig* config,
                                          const std::string& config_in_source) {
    if (config && (config->builtin("X86") || config->builtin("X86_64"))) return "x86";
    if (config && config->builtin("ARM64")) return "arm64";
    if (config) return std::nullopt;
    for (const char* arch : {"x86", "arm64"})
        if (config_in_source.starts_with(std::string("arch/") + arch + "/")) return arch;
    return std::nullopt;
}

} // namespace wslmod::kernel
