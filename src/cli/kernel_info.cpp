#include "cli/kernel_info.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kernel/facts.h"

namespace wslmod::cli {
namespace {

struct Options {
    std::string config;
    std::string stock_kernel;
};

std::string yes_no(bool b) {
    return b ? "yes" : "no";
}

util::Result<int> run(const Options& opt, const Context& ctx) {
    auto info = WSLMOD_TRY(kernel::kernel_info(opt.config, opt.stock_kernel));
    const auto& facts = info.facts;
    const auto &config_path = info.config, &release = info.release, &banner = info.banner;
    if (ctx.json) {
        auto doc = kernel::to_json(facts);
        doc["config"] = config_path;
        if (!release.empty()) {
            doc["release"] = release;
            doc["version_string"] = banner;
            doc["image_format"] = info.image_format;
        }
        ctx.emit_json(doc);
        return 0;
    }
    auto& o = *ctx.out;
    if (!release.empty()) o << fmt::format("release:       {}\n", release);
    o << fmt::format("config:        {} (generated for {})\n", config_path,
                     facts.generated_for.empty() ? "unknown version" : facts.generated_for);
    o << fmt::format("localversion:  \"{}\"{}\n", facts.localversion,
                     facts.localversion_auto ? " + LOCALVERSION_AUTO (appends git suffix)" : "");
    o << fmt::format("modules:       {}\n", yes_no(facts.modules));
    o << fmt::format("modversions:   {}{}\n", yes_no(facts.modversions),
                     facts.modversions ? " (symbol CRCs must match the running kernel)" : "");
    o << fmt::format("signing:       {}\n", facts.module_sig_force ? "enforced"
                                            : facts.module_sig     ? "yes (not enforced)"
                                                                   : "no");
    o << fmt::format("compression:   {}\n", facts.compression);
    o << fmt::format("btf modules:   {}{}\n", yes_no(facts.btf_modules),
                     facts.btf_modules ? " (pahole from dwarves is needed to build)" : "");
    o << fmt::format("compiler:      {}\n", facts.compiler.empty() ? "unknown" : facts.compiler);
    o << fmt::format("architecture:  {}{}\n", facts.arch.empty() ? "unknown" : facts.arch,
                     info.image_format.empty() ? "" : " (" + info.image_format + ")");
    return 0;
}

} // namespace

Action setup_kernel_info(CLI::App& app) {
    auto opt = std::make_shared<Options>();
    app.add_option("--config", opt->config,
                   "Published kernel config (plain or compressed; default /proc/config.gz)");
    app.add_option("--stock-kernel", opt->stock_kernel,
                   "Stock kernel image (x86 bzImage or arm64 Image) to read the release from");
    return [opt](const Context& ctx) { return run(*opt, ctx); };
}

} // namespace wslmod::cli
