#include "cli/kernel_prepare.h"

#include <memory>
#include <ostream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kernel/prepare.h"

namespace wslmod::cli {

CLI::Option* add_kernel_spec_options(CLI::App& app, kernel::PrepareSpec& s,
                                     std::vector<std::string>& allow) {
    auto* source =
        app.add_option("--source", s.source,
                       "Kernel source: a tar archive (.tar.xz/.gz/.zst), a folder, or a URL");
    app.add_option("--source-sha256", s.source_sha256,
                   "SHA-256 the source must have (required for a URL)");
    app.add_option("--config", s.config,
                   "Published kernel config (plain or .gz) or URL (default: /proc/config.gz)");
    app.add_option("--stock-kernel", s.stock_kernel,
                   "Stock kernel image (bzImage; WSL's tools\\kernel)");
    app.add_option("--symvers", s.symvers, "Use this Module.symvers instead of recovering one");
    app.add_option("--release", s.release, "Expected release (must equal the stock kernel's)");
    app.add_option("--allow-drift", allow,
                   "Accept a config symbol that olddefconfig changed (repeatable)");
    app.add_option("--cc", s.cc,
                   "The compiler (default: gcc-N matching the stock kernel's, when installed, "
                   "else gcc)");
    return source;
}

Action setup_kernel_prepare(CLI::App& app) {
    struct Options {
        kernel::PrepareSpec spec;
        std::vector<std::string> allow;
        std::string cache;
    };
    auto opt = std::make_shared<Options>();
    auto& s = opt->spec;
    add_kernel_spec_options(app, s, opt->allow)->required();
    app.add_option("--stock-modules", s.stock_modules, "Stock modules: folder or VHD/VHDX image");
    app.add_option("--cache", opt->cache, "Cache folder (default $XDG_CACHE_HOME/wslmod)");
    app.add_option("-j,--jobs", s.jobs, "Parallel make jobs")
        ->default_val(std::max(1u, std::thread::hardware_concurrency()));
    return [opt](const Context& ctx) -> util::Result<int> {
        auto spec = opt->spec;
        for (auto sym : opt->allow)
            spec.allow_drift.insert(sym.starts_with("CONFIG_") ? sym.substr(7) : sym);
        spec.cache = opt->cache.empty() ? kernel::default_cache()
                                        : std::filesystem::absolute(opt->cache).lexically_normal();
        auto& console = ctx.reporter();
        auto tree = kernel::prepare_tree(
            spec, *ctx.runner, [&](const std::string& step) { console.step("prepare: " + step); });
        console.done();
        WSLMOD_CHECK(tree);
        if (ctx.json) {
            ctx.emit_json({{"tree", tree->dir.string()},
                           {"release", tree->release},
                           {"localversion", tree->localversion},
                           {"kernelrelease", tree->kernelrelease},
                           {"symvers", tree->symvers_source},
                           {"cache_hit", tree->cache_hit},
                           {"drift", kernel::to_json(tree->drift)},
                           {"warnings", tree->warnings},
                           {"seconds", util::timings_json(tree->seconds)}});
            ctx.print_timings("kernel prepare", tree->seconds);
            return 0;
        }
        *ctx.out << fmt::format("{}\n  release  {} ({})\n  symvers  {}\n  cache    {}\n",
                                tree->dir.string(), tree->release,
                                tree->kernelrelease ? "KERNELRELEASE=" + tree->release
                                                    : "LOCALVERSION=" + tree->localversion,
                                tree->symvers_source, tree->cache_hit ? "hit" : "new");
        for (const auto& d : tree->drift.items)
            *ctx.out << fmt::format("  note     CONFIG_{} {} -> {} ({}: {})\n", d.symbol,
                                    d.published ? *d.published : "unset",
                                    d.actual ? *d.actual : "unset", kernel::to_string(d.kind),
                                    d.note);
        for (const auto& w : tree->warnings)
            ctx.warn(w);
        if (tree->symvers_source == "recovered" && opt->spec.stock_modules.empty())
            ctx.warn("Module.symvers has vmlinux only (no --stock-modules)");
        ctx.print_timings("kernel prepare", tree->seconds);
        return 0;
    };
}

} // namespace wslmod::cli
