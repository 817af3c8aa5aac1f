#include "modules/module_info.h"

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>
#include <libkmod.h>

namespace wslmod::modules {

util::Result<ModuleInfo> module_info(const std::filesystem::path& ko) {
    // No modules folder and no configuration: only the file itself is read.
    const char* no_config[] = {nullptr};
    std::unique_ptr<kmod_ctx, decltype(&kmod_unref)> ctx(kmod_new("/nonexistent", no_config),
                                                         kmod_unref);
    if (!ctx) return util::fail("libkmod: cannot create a context");
    kmod_module* raw = nullptr;
    if (int rc = kmod_module_new_from_path(ctx.get(), ko.c_str(), &raw); rc < 0)
        return util::fail(fmt::format("not a module: {}", std::strerror(-rc)), ko.string());
    std::unique_ptr<kmod_module, decltype(&kmod_module_unref)> mod(raw, kmod_module_unref);
    kmod_list* list = nullptr;
    if (int rc = kmod_module_get_info(mod.get(), &list); rc < 0)
        return util::fail(fmt::format("cannot read its .modinfo: {}", std::strerror(-rc)),
                          ko.string());
    ModuleInfo info;
    info.name = kmod_module_get_name(mod.get());
    for (kmod_list* it = list; it; it = kmod_list_next(list, it)) {
        std::string key = kmod_module_info_get_key(it);
        const char* v = kmod_module_info_get_value(it);
        std::string value = v ? v : "";
        if (key == "vermagic")
            info.vermagic = value;
        else if (key == "srcversion")
            info.srcversion = value;
        else if (key == "license")
            info.license = value;
        else if (key == "firmware")
            info.firmware.push_back(value);
        else if (key == "depends") {
            size_t start = 0;
            while (start < value.size()) {
                auto comma = value.find(',', start);
                auto dep = value.substr(start, comma == std::string::npos ? std::string::npos
                                                                          : comma - start);
                if (!dep.empty()) info.depends.push_back(dep);
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        }
    }
    kmod_module_info_free_list(list);
    return info;
}

} // namespace wslmod::modules
