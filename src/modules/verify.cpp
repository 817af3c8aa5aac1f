#include "modules/verify.h"

#include <algorithm>
#include <atomic>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <libkmod.h>

#include "kernel/modinfo.h"
#include "modules/module_info.h"
#include "modules/stock.h"
#include "util/parallel.h"

namespace wslmod::modules {
namespace fs = std::filesystem;
namespace {

struct Ctx {
    std::unique_ptr<kmod_ctx, decltype(&kmod_unref)> ctx{nullptr, kmod_unref};
};

util::Result<Ctx> open_ctx(const fs::path& root) {
    static const char* no_config[] = {nullptr}; // the host's modprobe.d is not the image's
    Ctx c;
    c.ctx.reset(kmod_new(root.c_str(), no_config));
    if (!c.ctx) return util::fail("libkmod could not open the staged tree", root.string());
    kmod_set_log_priority(c.ctx.get(), 0);
    if (kmod_load_resources(c.ctx.get()) < 0)
        return util::fail("libkmod could not load the indexes", root.string());
    return c;
}

struct ListDeleter {
    void operator()(kmod_list* l) const { kmod_module_unref_list(l); }
};
using ModuleList = std::unique_ptr<kmod_list, ListDeleter>;

util::Result<ModuleList> lookup(kmod_ctx* ctx, const std::string& what) {
    kmod_list* raw = nullptr;
    int rc = kmod_module_new_from_lookup(ctx, what.c_str(), &raw);
    if (rc < 0) return util::fail(fmt::format("libkmod lookup failed: {}", strerror(-rc)), what);
    return ModuleList(raw);
}

// The module paths of modules.dep, in order.
util::Result<std::vector<std::string>> dep_paths(const fs::path& root) {
    std::ifstream in(root / "modules.dep");
    if (!in) return util::fail("cannot read modules.dep", root.string());
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
        auto colon = line.find(':');
        if (colon == std::string::npos)
            return util::fail("malformed line: " + line, (root / "modules.dep").string());
        out.push_back(line.substr(0, colon));
    }
    return out;
}

// The vermagic in the .modinfo of the plain ELF file at `path`, read through a private mapping.
util::Result<std::string> plain_vermagic(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return util::fail(fmt::format("cannot open: {}", strerror(errno)), path.string());
    struct stat st {};
    ::fstat(fd, &st);
    void* map = st.st_size > 0 ? ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ,
                                        MAP_PRIVATE, fd, 0)
                               : MAP_FAILED;
    ::close(fd);
    if (map == MAP_FAILED) return util::fail("cannot map the module", path.string());
    auto v = kernel::modinfo_value(
        std::span(static_cast<const std::byte*>(map), static_cast<size_t>(st.st_size)), "vermagic",
        path.string());
    ::munmap(map, static_cast<size_t>(st.st_size));
    auto value = WSLMOD_TRY(std::move(v));
    if (!value) return util::fail("the module has no vermagic", path.string());
    return *value;
}

util::Error vermagic_error(const std::string& path, const std::string& vermagic,
                           const std::string& release) {
    return util::Error{fmt::format("vermagic '{}' is not release {}: the kernel would refuse it",
                                   vermagic, release),
                       path, "build it against the prepared tree of this kernel",
                       util::ExitCode::failed};
}

} // namespace

std::string alias_instance(const std::string& pattern) {
    std::string out;
    for (size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        if (c == '\\' && i + 1 < pattern.size()) {
            out += pattern[++i];
        } else if (c == '[') {
            auto close = pattern.find(']', i + 2);
            if (close == std::string::npos) return out + pattern.substr(i);
            auto set = pattern.substr(i + 1, close - i - 1);
            if (set[0] == '!' || set[0] == '^') {
                for (char cand :
                     std::string("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"))
                    if (set.find(cand) == std::string::npos) {
                        out += cand;
                        break;
                    }
            } else {
                out += set[0];
            }
            i = close;
        } else {
            out += c;
        }
    }
    return out;
}

util::Result<VerifyReport> verify_tree(const VerifySpec& spec) {
    VerifyReport report;
    for (const char* index :
         {"modules.dep", "modules.dep.bin", "modules.alias", "modules.alias.bin", "modules.symbols",
          "modules.symbols.bin", "modules.builtin", "modules.builtin.bin"})
        if (!fs::exists(spec.root / index))
            return util::fail(fmt::format("the staged tree has no {}", index), spec.root.string(),
                              "depmod did not write it; check that the stock modules are complete");
    auto paths = WSLMOD_TRY(dep_paths(spec.root));
    report.modules = paths.size();

    std::vector<std::pair<std::string, std::string>> aliases; // pattern, module
    {
        std::ifstream in(spec.root / "modules.alias");
        for (std::string line; std::getline(in, line);) {
            if (line.empty() || line[0] == '#') continue;
            // "alias <pattern> <module>": the module is the last word, and the pattern may have
            // spaces (Debian's arm64 6.12: "alias mt8188 mt6359 soc card mt8188_mt6359").
            auto last = line.find_last_of(' ');
            std::string pattern, module;
            if (line.starts_with("alias ") && last != std::string::npos && last > 6) {
                pattern = line.substr(6, last - 6);
                module = line.substr(last + 1);
            }
            if (pattern.empty() || module.empty())
                return util::fail("malformed line: " + line,
                                  (spec.root / "modules.alias").string());
            aliases.emplace_back(pattern, module);
        }
    }
    report.aliases = aliases.size();

    unsigned jobs = std::max(1u, spec.jobs);
    std::vector<Ctx> ctxs;
    for (unsigned i = 0; i < jobs; ++i)
        ctxs.push_back(WSLMOD_TRY(open_ctx(spec.root)));
    std::atomic<size_t> deps{0};
    // One libkmod context per worker: libkmod is not thread-safe.
    WSLMOD_CHECK(util::parallel_for_workers(
        paths.size(), jobs, [&](size_t i, unsigned worker) -> util::Result<void> {
            const auto& rel = paths[i];
            auto* ctx = ctxs[worker].ctx.get();
            auto name = module_name(fs::path(rel).filename().string());
            auto found = WSLMOD_TRY(lookup(ctx, name));
            bool resolved = false;
            kmod_list* it = nullptr;
            kmod_list_foreach(it, found.get()) {
                auto* mod = kmod_module_get_module(it);
                const char* p = kmod_module_get_path(mod);
                if (p && fs::path(p).lexically_normal() == (spec.root / rel).lexically_normal()) {
                    resolved = true;
                    ModuleList dl(kmod_module_get_dependencies(mod));
                    kmod_list* d = nullptr;
                    kmod_list_foreach(d, dl.get()) {
                        auto* dep = kmod_module_get_module(d);
                        const char* dp = kmod_module_get_path(dep);
                        std::string dep_name = kmod_module_get_name(dep);
                        kmod_module_unref(dep);
                        if (!dp || !fs::exists(dp))
                            return util::fail(
                                fmt::format("module {} depends on {}, which is not in the image",
                                            name, dep_name),
                                rel, "add the recipe or stock module that provides it");
                        ++deps;
                    }
                }
                kmod_module_unref(mod);
            }
            if (!resolved)
                return util::fail(
                    fmt::format("module name {} does not resolve to this file through libkmod",
                                name),
                    rel, "two files may carry one module name; remove one");
            auto vermagic = WSLMOD_TRY(plain_vermagic(spec.plain_root / rel));
            if (kernel::vermagic_release(vermagic) != spec.release)
                return tl::unexpected(vermagic_error(rel, vermagic, spec.release));
            return {};
        }));
    report.dependencies = deps;

    WSLMOD_CHECK(util::parallel_for_workers(
        aliases.size(), jobs, [&](size_t i, unsigned worker) -> util::Result<void> {
            const auto& [pattern, module] = aliases[i];
            auto instance = alias_instance(pattern);
            auto found = WSLMOD_TRY(lookup(ctxs[worker].ctx.get(), instance));
            kmod_list* it = nullptr;
            bool ok = false;
            std::string first;
            kmod_list_foreach(it, found.get()) {
                auto* mod = kmod_module_get_module(it);
                std::string n = kmod_module_get_name(mod);
                kmod_module_unref(mod);
                if (first.empty()) first = n;
                if (n == module) ok = true;
            }
            // An alias spelled like another module's name finds that module first, as modprobe
            // does.
            if (!ok && first != kernel_name(instance))
                return util::fail(
                    fmt::format("alias {} of module {} does not resolve through libkmod", pattern,
                                module),
                    (spec.root / "modules.alias").string(),
                    "depmod's alias index is damaged; build again");
            return {};
        }));

    for (const auto& rel : spec.added) {
        auto info = WSLMOD_TRY(module_info(spec.root / rel));
        if (kernel::vermagic_release(info.vermagic) != spec.release)
            return tl::unexpected(vermagic_error(rel, info.vermagic, spec.release));
        for (const auto& fw : info.firmware)
            if (!fs::exists(spec.root / "firmware" / fw))
                report.warnings.push_back(fmt::format(
                    "{} may request firmware {}, which is not in the image: install it in "
                    "the distro's /lib/firmware if the device needs it",
                    rel, fw));
    }
    return report;
}

} // namespace wslmod::modules
