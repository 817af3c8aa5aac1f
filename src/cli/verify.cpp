#include "cli/verify.h"

#include <memory>
#include <ostream>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/build_command.h"
#include "image/disk_image.h"
#include "image/ext4_reader.h"
#include "image/file_source.h"
#include "kernel/prepare.h"
#include "modules/inventory.h"
#include "recipe/manifest.h"

namespace wslmod::cli {
namespace fs = std::filesystem;

util::Result<verify::CheckReport> boot_check_image(const Context& ctx, const fs::path& image, const fs::path& kernel,
                                                   std::vector<std::string> modules, const fs::path& cache) {
    if (modules.empty()) {
        auto src = WSLMOD_TRY(image::open_file_source(image));
        modules = WSLMOD_TRY(verify::recorded_added(*src));
    }
    verify::CheckSpec spec;
    spec.image = fs::absolute(image);
    spec.kernel = fs::absolute(kernel);
    spec.modules = std::move(modules);
    spec.cache = cache;
    spec.workdir = cache / "verify" / fmt::format("boot-{}", ::getpid());
    bool tty = !ctx.json && isatty(2);
    if (tty) *ctx.err << "\33[2K\rbooting the stock kernel with the image (" << spec.modules.size() << " modules) ..." << std::flush;
    auto r = verify::check_boot(spec, *ctx.runner);
    if (tty) *ctx.err << "\33[2K\r" << std::flush;
    if (r && r->ok()) {
        std::error_code ec;
        fs::remove_all(spec.workdir, ec); // kept on failure: console.log
    }
    return r;
}

nlohmann::json check_json(const verify::CheckReport& r) {
    auto mods = nlohmann::json::array();
    for (const auto& m : r.modules)
        mods.push_back({{"module", m.module}, {"loaded", m.loaded}, {"reason", m.reason}, {"symbol", m.symbol},
                        {"output", m.output}, {"dmesg", m.dmesg}, {"hint", m.hint}});
    return {{"release", r.release}, {"ok", r.ok()}, {"seconds", r.seconds}, {"accel", r.accel},
            {"initramfs_cached", r.initramfs_cached}, {"boot_modules", r.boot_modules}, {"modules", mods}};
}

void print_check(std::ostream& out, const verify::CheckReport& r, const fs::path& image) {
    size_t loaded = 0;
    for (const auto& m : r.modules) loaded += m.loaded;
    out << fmt::format("boot check of {}: {} booted in {:.1f} s ({}{}), {} of {} modules loaded\n", image.string(), r.release,
                       r.seconds, r.accel, r.initramfs_cached ? ", initramfs cached" : "", loaded, r.modules.size());
    for (const auto& m : r.modules) {
        if (m.loaded) {
            out << "  loaded  " << m.module << "\n";
            continue;
        }
        out << "  FAILED  " << m.module << ": " << m.reason << (m.symbol.empty() ? "" : " (" + m.symbol + ")") << "\n";
        for (const auto& l : m.dmesg) out << "          kernel: " << l << "\n";
        if (m.dmesg.empty() && !m.output.empty()) out << "          modprobe: " << m.output.substr(0, m.output.find('\n')) << "\n";
        out << "          hint: " << m.hint << "\n";
    }
}

util::Error check_failure(const verify::CheckReport& r, const fs::path& image) {
    std::vector<std::string> failed;
    const verify::ModuleOutcome* first = nullptr;
    for (const auto& m : r.modules)
        if (!m.loaded) {
            failed.push_back(m.module);
            if (!first) first = &m;
        }
    std::string what = fmt::format("{} of {} modules did not load in the stock kernel: {}", failed.size(), r.modules.size(),
                                   fmt::join(failed, ", "));
    if (first) what += fmt::format(" ({}: {}{})", first->module, first->reason, first->symbol.empty() ? "" : " " + first->symbol);
    return util::Error{what, image.string(), first ? first->hint : "", util::ExitCode::failed};
}

Action setup_verify(CLI::App& app) {
    struct Options {
        std::string image, kernel, modules, stock, cache_text;
        bool boot = false, added = false;
        int timeout = 150;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("IMAGE", opt->image, "The image; default: the project's output (wslmod.toml)");
    app.add_flag("--boot", opt->boot, "Boot the stock kernel under QEMU with the image and modprobe its added modules");
    app.add_option("--kernel", opt->kernel, "The stock kernel (bzImage); default: the project's");
    app.add_option("--modules", opt->modules, "Modules to load, comma-separated; default: the ones the image adds");
    app.add_flag("--added", opt->added, "Load the modules the image adds (its wslmod.added record, or the difference "
                                        "from --stock-modules); the default");
    app.add_option("--stock-modules", opt->stock, "Stock modules (folder or image) to tell the added modules by, for "
                                                  "an image without a wslmod.added record");
    app.add_option("--timeout", opt->timeout, "Seconds the boot may take (default 150)");
    app.add_option("--cache", opt->cache_text, "Cache folder (initramfs, KVM probe); default ~/.cache/wslmod");
    return [opt](const Context& ctx) -> util::Result<int> {
        fs::path image = opt->image, kernel = opt->kernel;
        std::string stock = opt->stock;
        if ((image.empty() || kernel.empty() || stock.empty()) && fs::exists(recipe::manifest_name)) {
            auto m = WSLMOD_TRY(recipe::load_manifest(recipe::manifest_name));
            auto bare = m;
            bare.recipes.clear();
            auto in = WSLMOD_TRY(inputs_from_manifest(bare, {}, *ctx.runner));
            if (image.empty()) image = m.output;
            if (kernel.empty()) kernel = in.spec.stock_kernel;
            if (stock.empty()) stock = in.stock;
        }
        if (image.empty())
            return util::bad_input("no image named and no wslmod.toml here", "IMAGE", "pass the modules.vhdx");
        // The structure first: the container and its ext4.
        auto disk = WSLMOD_TRY(image::open_disk_image(image));
        auto fsys = WSLMOD_TRY(image::Ext4Reader::open(disk.device(), image.string()));
        auto structure = WSLMOD_TRY(fsys->check());
        if (!opt->boot) {
            if (ctx.json)
                ctx.emit_json({{"image", image.string()}, {"ok", true}, {"format", image::to_string(disk.format)},
                               {"files", structure.files}});
            else
                *ctx.out << fmt::format("{}: ok ({}, ext4, {} files); add --boot to load its modules in the stock kernel\n",
                                        image.string(), image::to_string(disk.format), structure.files);
            return 0;
        }
        if (kernel.empty())
            return util::bad_input("--boot needs the stock kernel", "--kernel", "pass --kernel BZIMAGE, or run in a project");
        std::vector<std::string> modules;
        for (size_t at = 0; !opt->modules.empty() && at <= opt->modules.size();) {
            auto comma = opt->modules.find(',', at);
            auto m = opt->modules.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
            if (!m.empty()) modules.push_back(m);
            if (comma == std::string::npos) break;
            at = comma + 1;
        }
        if (modules.empty()) {
            auto src = WSLMOD_TRY(image::open_file_source(image));
            auto recorded = verify::recorded_added(*src);
            if (recorded) {
                modules = *recorded;
            } else if (!stock.empty()) {
                auto theirs = WSLMOD_TRY(image::open_file_source(stock));
                auto a = WSLMOD_TRY(modules::read_inventory(*theirs, 2, [](const modules::ImageModule&) { return false; }));
                auto b = WSLMOD_TRY(modules::read_inventory(*src, 2, [](const modules::ImageModule&) { return false; }));
                auto d = modules::diff(a, b);
                for (const auto& m : d.added) modules.push_back(m.name);
                for (const auto& [from, to] : d.changed) modules.push_back(to.name);
            } else {
                return tl::unexpected(recorded.error());
            }
            if (modules.empty())
                return util::bad_input("the image adds no modules over the stock ones", image.string(), "name some with --modules");
        }
        fs::path cache = opt->cache_text.empty() ? kernel::default_cache() : fs::path(opt->cache_text);
        auto r = WSLMOD_TRY(boot_check_image(ctx, image, kernel, modules, cache));
        if (ctx.json) {
            auto doc = check_json(r);
            doc["image"] = image.string();
            doc["kernel"] = kernel.string();
            ctx.emit_json(doc);
        } else {
            print_check(*ctx.out, r, image);
        }
        return r.ok() ? 0 : 1;
    };
}

} // namespace wslmod::cli
