#include "cli/kernel_symvers.h"

#include <chrono>
#include <fstream>
#include <memory>
#include <ostream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kernel/symvers.h"
#include "util/atomic_file.h"
#include "util/file.h"

namespace wslmod::cli {

Action setup_kernel_symvers(CLI::App& app) {
    struct Options {
        std::string kernel, modules, out;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("--stock-kernel", opt->kernel,
                   "Stock kernel image (bzImage; WSL's tools\\kernel)")
        ->required();
    app.add_option("--stock-modules", opt->modules,
                   "Stock modules: a lib/modules/<release> folder or a VHD/VHDX image (WSL's "
                   "tools\\modules.vhd)");
    app.add_option("-o,--output", opt->out, "Module.symvers to write")->required();
    return [opt](const Context& ctx) -> util::Result<int> {
        auto start = std::chrono::steady_clock::now();
        auto bytes = WSLMOD_TRY(util::read_bytes(opt->kernel));
        std::unique_ptr<image::FileSource> src;
        if (!opt->modules.empty()) src = WSLMOD_TRY(image::open_file_source(opt->modules));
        auto symvers = WSLMOD_TRY(kernel::recover_symvers(
            bytes, opt->kernel, src.get(), std::max(1u, std::thread::hardware_concurrency())));
        size_t vmlinux = symvers.vmlinux_symbols, total = vmlinux + symvers.module_symbols;
        WSLMOD_CHECK(util::write_file_atomically(opt->out, symvers.text));
        double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (ctx.json) {
            ctx.emit_json({{"output", opt->out},
                           {"vmlinux_symbols", vmlinux},
                           {"module_symbols", total - vmlinux},
                           {"seconds", secs}});
        } else {
            *ctx.out << fmt::format("{}: {} vmlinux and {} module symbols ({:.1f} s)\n", opt->out,
                                    vmlinux, total - vmlinux, secs);
            if (opt->modules.empty())
                *ctx.err << "wslmod: warning: no --stock-modules: modules that use symbols of "
                            "other stock "
                            "modules will not build with CRCs\n";
        }
        return 0;
    };
}

} // namespace wslmod::cli
