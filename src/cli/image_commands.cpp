#include "cli/image_commands.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/image_fs.h"
#include "image/pack.h"

namespace wslmod::cli {
namespace {

std::string mode_string(const image::Ext4Entry& e) {
    std::string s = e.type == image::TreeEntry::Type::directory ? "d"
                    : e.type == image::TreeEntry::Type::symlink ? "l"
                                                                : "-";
    const char* rwx = "rwxrwxrwx";
    for (int i = 8; i >= 0; --i)
        s += (e.mode >> i) & 1 ? rwx[8 - i] : '-';
    return s;
}

std::string type_name(image::TreeEntry::Type t) {
    return t == image::TreeEntry::Type::directory ? "directory"
           : t == image::TreeEntry::Type::symlink ? "symlink"
                                                  : "file";
}

} // namespace

Action setup_image_pack(CLI::App& app) {
    struct Options {
        std::string dir, out, layout = "flat", release;
        uint64_t block_mib = 1;
        bool keep_previous = false, sha256 = false;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("DIR", opt->dir, "Folder to pack: the contents of lib/modules/<release>/")
        ->required();
    app.add_option("-o,--output", opt->out, "Output .vhdx")->required();
    app.add_option("--layout", opt->layout,
                   "flat: the folder is the filesystem root (every released WSL); "
                   "artifacts: <release>/modules/ (newer WSL)")
        ->check(CLI::IsMember({"flat", "artifacts"}));
    app.add_option("--release", opt->release,
                   "Release for the artifacts layout (default: DIR's name)");
    app.add_option("--block-size", opt->block_mib, "VHDX block size in MiB (power of two, 1-256)");
    app.add_flag("--keep-previous", opt->keep_previous, "Keep an existing output as <output>.prev");
    app.add_flag("--sha256", opt->sha256, "Also print the image's SHA-256 (one more pass over it)");
    return [opt](const Context& ctx) -> util::Result<int> {
        image::PackOptions po;
        po.layout = opt->layout == "artifacts" ? image::Layout::artifacts : image::Layout::flat;
        po.release = opt->release;
        po.block_size = opt->block_mib * 1024 * 1024;
        po.epoch = WSLMOD_TRY(image::source_date_epoch());
        po.keep_previous = opt->keep_previous;
        po.hash_output = opt->sha256;
        ctx.reporter().step(fmt::format("packing {}", opt->dir));
        auto packed = image::pack(opt->dir, opt->out, po);
        ctx.reporter().done();
        auto r = WSLMOD_TRY(std::move(packed));
        auto sha = r.sha256 ? util::to_hex(*r.sha256) : std::string{};
        if (ctx.json) {
            nlohmann::json doc{{"output", r.output.string()},
                               {"virtual_size", r.virtual_size},
                               {"file_size", r.file_size},
                               {"stored_blocks", r.stored_blocks},
                               {"files", r.ext4.files},
                               {"directories", r.ext4.directories},
                               {"symlinks", r.ext4.symlinks},
                               {"layout", opt->layout},
                               {"seconds", util::timings_json(r.seconds)}};
            if (r.sha256) doc["sha256"] = sha;
            ctx.emit_json(doc);
            ctx.print_timings("image pack", r.seconds);
            return 0;
        }
        *ctx.out << r.output.string() << "\n";
        if (r.sha256) *ctx.out << fmt::format("  sha256   {}\n", sha);
        *ctx.out << fmt::format("  contents {} files, {} directories, {} symlinks ({} layout)\n"
                                "  size     {:.1f} MiB file, {:.1f} MiB ext4\n",
                                r.ext4.files, r.ext4.directories, r.ext4.symlinks, opt->layout,
                                r.file_size / 1048576.0, r.virtual_size / 1048576.0);
        ctx.print_timings("image pack", r.seconds);
        return 0;
    };
}

Action setup_image_ls(CLI::App& app) {
    auto img = std::make_shared<std::string>();
    auto path = std::make_shared<std::string>();
    app.add_option("IMG", *img, "Image (VHDX, VHD or raw ext4)")->required();
    app.add_option("PATH", *path, "Folder inside the image (default: the root)");
    return [img, path](const Context& ctx) -> util::Result<int> {
        auto o = WSLMOD_TRY(image::open_image_fs(*img));
        auto entries = WSLMOD_TRY(o.fs->list(*path));
        if (ctx.json) {
            auto arr = nlohmann::json::array();
            for (const auto& e : entries) {
                nlohmann::json j{{"name", e.name}, {"type", type_name(e.type)},
                                 {"mode", e.mode}, {"size", e.size},
                                 {"uid", e.uid},   {"gid", e.gid}};
                if (e.type == image::TreeEntry::Type::symlink) j["target"] = e.target;
                arr.push_back(j);
            }
            ctx.emit_json({{"image", *img},
                           {"format", image::to_string(o.disk.format)},
                           {"path", *path},
                           {"entries", arr}});
            return 0;
        }
        for (const auto& e : entries)
            *ctx.out << fmt::format(
                "{} {}:{} {:>10} {}{}\n", mode_string(e), e.uid, e.gid, e.size, e.name,
                e.type == image::TreeEntry::Type::symlink ? " -> " + e.target : "");
        return 0;
    };
}

Action setup_image_extract(CLI::App& app) {
    auto img = std::make_shared<std::string>();
    auto dir = std::make_shared<std::string>();
    app.add_option("IMG", *img, "Image (VHDX, VHD or raw ext4)")->required();
    app.add_option("DIR", *dir, "New folder to extract into (appears whole or not at all)")
        ->required();
    auto keep_modes = std::make_shared<bool>(false);
    app.add_flag("--keep-modes", *keep_modes,
                 "Keep setuid, setgid and sticky bits (dropped by default)");
    return [img, dir, keep_modes](const Context& ctx) -> util::Result<int> {
        auto o = WSLMOD_TRY(image::open_image_fs(*img));
        std::error_code ec;
        image::ExtractLimits limits;
        limits.max_bytes =
            std::filesystem::file_size(*img, ec); // the container holds at most its own size
        if (ec) limits.max_bytes = 0;
        limits.keep_special_modes = *keep_modes;
        auto stats = WSLMOD_TRY(o.fs->extract("", *dir, limits));
        if (ctx.json)
            ctx.emit_json({{"image", *img},
                           {"directory", *dir},
                           {"files", stats.files},
                           {"directories", stats.directories},
                           {"symlinks", stats.symlinks}});
        else
            *ctx.out << fmt::format("extracted {} files, {} directories, {} symlinks into {}\n",
                                    stats.files, stats.directories, stats.symlinks, *dir);
        return 0;
    };
}

Action setup_image_verify(CLI::App& app) {
    auto img = std::make_shared<std::string>();
    app.add_option("IMG", *img, "Image (VHDX, VHD or raw ext4)")->required();
    return [img](const Context& ctx) -> util::Result<int> {
        auto o = WSLMOD_TRY(image::open_image_fs(*img));
        auto check = WSLMOD_TRY(o.fs->check());
        auto size = o.disk.device().size();
        if (ctx.json)
            ctx.emit_json({{"image", *img},
                           {"ok", true},
                           {"format", image::to_string(o.disk.format)},
                           {"virtual_size", size},
                           {"uuid", o.fs->uuid()},
                           {"files", check.files},
                           {"directories", check.directories},
                           {"symlinks", check.symlinks}});
        else
            *ctx.out << fmt::format(
                "{}: ok ({}, {:.1f} MiB disk, ext4 {}; {} files, {} directories, {} symlinks)\n",
                *img, image::to_string(o.disk.format), size / 1048576.0, o.fs->uuid(), check.files,
                check.directories, check.symlinks);
        return 0;
    };
}

} // namespace wslmod::cli
