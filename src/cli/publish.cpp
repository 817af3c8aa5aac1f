#include "cli/publish.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "project/publish.h"

namespace wslmod::cli {

Action setup_publish(CLI::App& app) {
    auto opt = std::make_shared<project::PublishOptions>();
    app.add_option("IMAGE", opt->image, "The modules image to publish (what `wslmod build` wrote)")
        ->required();
    app.add_option("--url", opt->url,
                   "Where Windows machines will download the image from (https://...)")
        ->required();
    app.add_option("--homepage", opt->homepage, "The homepage the Scoop manifest names");
    app.add_option("-o,--output", opt->out,
                   "Folder for the published files (default: publish/ beside the image)");
    app.add_option("--lock", opt->lock,
                   "The lock that must describe the image (default: wslmod.lock here, if any)");
    app.add_option("--windows-dir", opt->windows_dir,
                   "The Windows folder the image and a copy of the stock kernel go "
                   "in (default: %LOCALAPPDATA%\\wslmod\\<release>, spelled out)");
    return [opt](const Context& ctx) -> util::Result<int> {
        auto r = WSLMOD_TRY(project::publish_image(*opt));
        if (ctx.json) {
            auto written = nlohmann::json::array();
            for (const auto& path : r.files)
                written.push_back(path.string());
            ctx.emit_json({{"image", r.image.string()},
                           {"release", r.release},
                           {"sha256", r.sha256},
                           {"files", written}});
            return 0;
        }
        *ctx.out << fmt::format("{}\n  release  {}\n  sha256   {}\n", r.image.string(), r.release,
                                r.sha256);
        for (const auto& path : r.files)
            *ctx.out << "  wrote    " << path.string() << "\n";
        return 0;
    };
}

} // namespace wslmod::cli
