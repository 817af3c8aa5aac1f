#include "cli/verify.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/file_source.h"
#include "image/image_fs.h"
#include "kernel/prepare.h"
#include "project/boot.h"
#include "project/inputs.h"
#include "recipe/manifest.h"

namespace wslmod::cli {
namespace fs = std::filesystem;

void print_check(std::ostream& out, const verify::CheckReport& r, const fs::path& image) {
    size_t loaded = 0;
    for (const auto& m : r.modules)
        loaded += m.loaded;
    out << fmt::format("boot check of {}: {} booted in {:.1f} s ({}{}), {} of {} modules loaded\n",
                       image.string(), r.release, r.seconds, r.accel,
                       r.initramfs_cached ? ", initramfs cached" : "", loaded, r.modules.size());
    for (const auto& m : r.modules) {
        if (m.loaded) {
            out << "  loaded  " << m.module << "\n";
            continue;
        }
        out << "  FAILED  " << m.module << ": " << m.reason
            << (m.symbol.empty() ? "" : " (" + m.symbol + ")") << "\n";
        for (const auto& l : m.dmesg)
            out << "          kernel: " << l << "\n";
        if (m.dmesg.empty() && !m.output.empty())
            out << "          modprobe: " << m.output.substr(0, m.output.find('\n')) << "\n";
        out << "          hint: " << m.hint << "\n";
    }
}

Action setup_verify(CLI::App& app) {
    struct Options {
        std::string image, kernel, modules, stock, cache_text;
        bool boot = false, added = false;
        int timeout = 150;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("IMAGE", opt->image, "The image; default: the project's output (wslmod.toml)");
    app.add_flag("--boot", opt->boot,
                 "Boot the stock kernel under QEMU with the image and modprobe its added modules");
    app.add_option("--kernel", opt->kernel, "The stock kernel (bzImage); default: the project's");
    app.add_option("--modules", opt->modules,
                   "Modules to load, comma-separated; default: the ones the image adds");
    app.add_flag("--added", opt->added,
                 "Load the modules the image adds (its wslmod.added record, or the difference "
                 "from --stock-modules); the default");
    app.add_option("--stock-modules", opt->stock,
                   "Stock modules (folder or image) to tell the added modules by, for "
                   "an image without a wslmod.added record");
    app.add_option("--timeout", opt->timeout, "Seconds the boot may take (default 150)");
    app.add_option("--cache", opt->cache_text,
                   "Cache folder (initramfs, KVM probe); default ~/.cache/wslmod");
    return [opt](const Context& ctx) -> util::Result<int> {
        fs::path image = opt->image, kernel = opt->kernel;
        std::string stock = opt->stock;
        if ((image.empty() || kernel.empty() || stock.empty()) &&
            fs::exists(recipe::manifest_name)) {
            auto m = WSLMOD_TRY(recipe::load_manifest(recipe::manifest_name));
            auto in = WSLMOD_TRY(project::kernel_inputs(m, {}, *ctx.runner));
            if (image.empty()) image = m.output;
            if (kernel.empty()) kernel = in.spec.stock_kernel;
            if (stock.empty()) stock = in.stock;
        }
        if (image.empty())
            return util::bad_input("no image named and no wslmod.toml here", "IMAGE",
                                   "pass the modules.vhdx");
        // The structure first: the container and its ext4.
        util::Timings timings;
        util::Stopwatch watch(timings);
        auto opened = WSLMOD_TRY(image::open_image_fs(image));
        auto structure = WSLMOD_TRY(opened.fs->check());
        const auto& disk = opened.disk;
        watch.lap("structure");
        if (!opt->boot) {
            if (ctx.json)
                ctx.emit_json({{"image", image.string()},
                               {"ok", true},
                               {"format", image::to_string(disk.format)},
                               {"files", structure.files}});
            else
                *ctx.out << fmt::format("{}: ok ({}, ext4, {} files); add --boot to load its "
                                        "modules in the stock kernel\n",
                                        image.string(), image::to_string(disk.format),
                                        structure.files);
            return 0;
        }
        if (kernel.empty())
            return util::bad_input("--boot needs the stock kernel", "--kernel",
                                   "pass --kernel BZIMAGE, or run in a project");
        auto modules = WSLMOD_TRY(project::modules_to_check(image, opt->modules, stock));
        fs::path cache =
            opt->cache_text.empty() ? kernel::default_cache() : fs::path(opt->cache_text);
        auto r = WSLMOD_TRY(
            project::boot_check_image(image, kernel, modules, cache, *ctx.runner, ctx.reporter()));
        timings.insert(timings.end(), r.timings.begin(), r.timings.end());
        if (ctx.json) {
            auto doc = project::check_json(r);
            doc["image"] = image.string();
            doc["kernel"] = kernel.string();
            doc["steps"] = util::timings_json(timings);
            ctx.emit_json(doc);
        } else {
            print_check(*ctx.out, r, image);
        }
        ctx.print_timings("verify --boot", timings);
        return r.ok() ? 0 : 1;
    };
}

} // namespace wslmod::cli
