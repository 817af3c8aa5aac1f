#include "modules/kmod_context.h"

#include <set>

#include <fmt/format.h>
#include <libkmod.h>

namespace wslmod::modules {
namespace {

struct ListDeleter {
    void operator()(kmod_list* l) const { kmod_module_unref_list(l); }
};
using ModuleList = std::unique_ptr<kmod_list, ListDeleter>;

void visit(kmod_module* mod, std::set<std::string>& seen, std::vector<ModuleFile>& out) {
    std::string name = kmod_module_get_name(mod);
    if (seen.count(name)) return;
    seen.insert(name);
    ModuleList deps(kmod_module_get_dependencies(mod));
    kmod_list* it = nullptr;
    kmod_list_foreach(it, deps.get()) {
        kmod_module* dep = kmod_module_get_module(it);
        visit(dep, seen, out);
        kmod_module_unref(dep);
    }
    const char* path = kmod_module_get_path(mod);
    if (path) out.push_back({name, path}); // no path: built into the kernel
}

} // namespace

void KmodContext::Deleter::operator()(kmod_ctx* ctx) const {
    kmod_unref(ctx);
}

util::Result<KmodContext> KmodContext::open(const std::filesystem::path& dir) {
    if (!std::filesystem::exists(dir / "modules.dep.bin") &&
        !std::filesystem::exists(dir / "modules.dep"))
        return util::bad_input("no depmod indexes (modules.dep)", dir.string(),
                               "run depmod on the tree first");
    static const char* no_config[] = {nullptr}; // ignore the host's modprobe.d
    KmodContext c;
    c.dir_ = dir;
    c.ctx_.reset(kmod_new(dir.c_str(), no_config));
    if (!c.ctx_) return util::fail("libkmod could not open the modules tree", dir.string());
    kmod_set_log_priority(c.ctx_.get(), 0);
    return c;
}

util::Result<std::vector<ModuleFile>>
KmodContext::load_order(const std::vector<std::string>& names) const {
    std::vector<ModuleFile> out;
    std::set<std::string> seen;
    for (const auto& name : names) {
        kmod_list* raw = nullptr;
        int rc = kmod_module_new_from_lookup(ctx_.get(), name.c_str(), &raw);
        ModuleList found(raw);
        if (rc < 0) return util::fail(fmt::format("module lookup failed: {}", strerror(-rc)), name);
        if (!found)
            return util::bad_input(fmt::format("module not found in {}", dir_.string()), name,
                                   "check the name with `modinfo -b` or `wslmod inspect`");
        kmod_list* it = nullptr;
        kmod_list_foreach(it, found.get()) {
            kmod_module* mod = kmod_module_get_module(it);
            visit(mod, seen, out);
            kmod_module_unref(mod);
        }
    }
    return out;
}

} // namespace wslmod::modules
