// Module lookups on a /lib/modules/<release> tree through libkmod, without touching the host's
// own modules or modprobe.d configuration.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "util/error.h"

struct kmod_ctx;

namespace wslmod::modules {

struct ModuleFile {
    std::string name;           // module name as the kernel knows it ("jbd2")
    std::filesystem::path path; // absolute path of the .ko[.xz|.zst|.gz]
};

class KmodContext {
  public:
    // Opens `dir`, a modules tree with depmod indexes (modules.dep.bin, modules.alias.bin...).
    static util::Result<KmodContext> open(const std::filesystem::path& dir);

    // The modules needed to load `names` (names or aliases), dependencies first, each once.
    // Built-in modules need no loading and are left out; an unknown name is an error.
    util::Result<std::vector<ModuleFile>> load_order(const std::vector<std::string>& names) const;

  private:
    struct Deleter {
        void operator()(kmod_ctx* ctx) const;
    };
    std::unique_ptr<kmod_ctx, Deleter> ctx_;
    std::filesystem::path dir_;
};

} // namespace wslmod::modules
