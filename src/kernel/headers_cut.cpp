#include "kernel/headers_cut.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace wslmod::kernel {
namespace {

std::vector<std::string_view> components(std::string_view rel) {
    std::vector<std::string_view> out;
    while (!rel.empty()) {
        auto slash = rel.find('/');
        out.push_back(rel.substr(0, slash));
        if (slash == std::string_view::npos) break;
        rel.remove_prefix(slash + 1);
    }
    return out;
}

bool in_scripts(const std::vector<std::string_view>& parts, std::string_view rel,
                const HeadersCut& cut) {
    for (size_t i = 1; i + 1 < parts.size(); ++i)
        if (parts[i] == "atomic" || parts[i] == "dtc" || parts[i] == "kconfig" ||
            parts[i] == "package")
            return false;
    auto name = parts.back();
    if (name == "unifdef" || name == "mk_elfconfig") return false;
    if (name.ends_with(".c")) return rel == "scripts/module-common.c";
    if (name.ends_with(".so"))
        return cut.gcc_plugins && parts.size() > 2 && parts[1] == "gcc-plugins";
    return true;
}

bool in_arch(const std::vector<std::string_view>& parts, const HeadersCut& cut) {
    if (parts.size() < 3 || parts[1] != cut.srcarch) return false;
    auto name = parts.back();
    if (parts.size() == 3 && name.starts_with("Makefile")) return true;
    if (name == "Kbuild.platforms" || name == "Platform") return true;
    return std::find(parts.begin() + 2, parts.end() - 1, "include") != parts.end() - 1;
}

} // namespace

util::Result<HeadersCut> headers_cut_for(const KernelConfig& config, const std::string& where) {
    HeadersCut cut;
    if (config.builtin("X86_64") || config.builtin("X86"))
        cut.srcarch = "x86";
    else if (config.builtin("ARM64"))
        cut.srcarch = "arm64";
    else
        return util::bad_input("the config is neither for x86 nor for arm64", where,
                               "wslmod cuts headers for WSL's two architectures only");
    cut.objtool = config.builtin("OBJTOOL");
    cut.btf_modules = config.builtin("DEBUG_INFO_BTF_MODULES");
    cut.gcc_plugins = config.builtin("GCC_PLUGINS");
    return cut;
}

bool in_headers_cut(std::string_view rel, const HeadersCut& cut) {
    auto parts = components(rel);
    if (parts.empty()) return false;
    auto name = parts.back();
    if (name.ends_with(".o") || (name.starts_with(".") && name.ends_with(".cmd"))) return false;
    if (parts.size() == 1)
        return name == "Makefile" || name == ".config" || name == "Module.symvers" ||
               name.starts_with("localversion");
    auto top = parts.front();
    if (top == "include") {
        if (parts[1] != "config") return true;
        return rel == "include/config/auto.conf" || rel == "include/config/kernel.release";
    }
    if (top == "arch") return in_arch(parts, cut);
    if (top == "scripts") return in_scripts(parts, rel, cut);
    if (top == "tools")
        return (cut.objtool && rel == "tools/objtool/objtool") ||
               (cut.btf_modules && rel == "tools/bpf/resolve_btfids/resolve_btfids");
    return false;
}

} // namespace wslmod::kernel
