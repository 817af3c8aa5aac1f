#include "cli/headers.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/build_command.h"
#include "project/headers.h"
#include "project/inputs.h"
#include "recipe/manifest.h"

namespace wslmod::cli {
namespace fs = std::filesystem;
namespace {

struct KernelChoice {
    std::string tree, project, cache;
};

void add_kernel_choice(CLI::App& app, KernelChoice& k) {
    auto* tree = app.add_option("--kernel", k.tree,
                                "A prepared kernel tree (`wslmod kernel prepare` prints it)");
    auto* project =
        app.add_option("--project", k.project,
                       "The project whose kernel to use (default: wslmod.toml here, else the "
                       "running WSL kernel)");
    tree->excludes(project);
    app.add_option("--cache", k.cache, "Cache folder (default $XDG_CACHE_HOME/wslmod)");
}

// The kernel: --kernel, else the project's, else WSL's own (profile wsl, from tools\kernel).
util::Result<project::BuildInputs> kernel_of(const KernelChoice& k, const Context& ctx) {
    project::RecipeOptions run;
    run.cache_text = k.cache;
    if (!k.tree.empty()) {
        project::BuildInputs in;
        in.run = run;
        in.tree = k.tree;
        return in;
    }
    auto file = k.project.empty() ? fs::path(recipe::manifest_name)
                                  : fs::path(k.project) / recipe::manifest_name;
    recipe::Manifest m;
    if (!k.project.empty() || fs::exists(file)) {
        m = WSLMOD_TRY(recipe::load_manifest(file));
    } else {
        m.profile = "wsl";
        m.file = "the running WSL kernel";
        m.dir = fs::current_path();
    }
    return project::kernel_inputs(m, run, *ctx.runner);
}

} // namespace

Action setup_headers_install(CLI::App& app) {
    struct Options {
        KernelChoice kernel;
        std::string prefix = "/usr/src";
        bool force = false;
    };
    auto opt = std::make_shared<Options>();
    add_kernel_choice(app, opt->kernel);
    app.add_option("--prefix", opt->prefix,
                   "Where linux-headers-<release>/ goes (default /usr/src, where DKMS and the "
                   "image's build link look)");
    app.add_flag("--force", opt->force, "Replace a folder there that wslmod did not write");
    return [opt](const Context& ctx) -> util::Result<int> {
        auto in = WSLMOD_TRY(kernel_of(opt->kernel, ctx));
        auto h = WSLMOD_TRY(project::headers_for(in, *ctx.runner, ctx.reporter()));
        auto r = WSLMOD_TRY(project::install_headers(h, opt->prefix, opt->force, "/lib/modules"));
        if (ctx.json) {
            auto doc = headers_json(h);
            doc["dir"] = r.dir.string();
            doc["state"] = r.state;
            doc["build_entry"] = project::to_string(r.build);
            ctx.emit_json(doc);
            return 0;
        }
        *ctx.out << fmt::format("{}\n  release  {}\n  {}  {} files, {:.1f} MB\n", r.dir.string(),
                                r.release, r.state, h.files, h.bytes / 1e6);
        auto link = fmt::format("/lib/modules/{}/build", r.release);
        switch (r.build) {
        case project::BuildEntry::leads_here:
            *ctx.out << fmt::format("  {} leads here\n", link);
            break;
        case project::BuildEntry::in_image:
            *ctx.out << fmt::format("  {} is the image's own copy; this one serves tools that "
                                    "look in /usr/src\n",
                                    link);
            break;
        case project::BuildEntry::elsewhere:
        case project::BuildEntry::missing:
            *ctx.out << fmt::format(
                "  {} does not lead here: build the image with this wslmod (its build link "
                "points here), or pass --kernelsourcedir {} to dkms\n",
                link, r.dir.string());
            break;
        }
        return 0;
    };
}

Action setup_headers_deb(CLI::App& app) {
    struct Options {
        KernelChoice kernel;
        std::string out = ".";
    };
    auto opt = std::make_shared<Options>();
    add_kernel_choice(app, opt->kernel);
    app.add_option("-o,--output", opt->out, "The folder the .deb goes to (default: here)");
    return [opt](const Context& ctx) -> util::Result<int> {
        auto in = WSLMOD_TRY(kernel_of(opt->kernel, ctx));
        auto h = WSLMOD_TRY(project::headers_for(in, *ctx.runner, ctx.reporter()));
        ctx.reporter().step("dpkg-deb --build");
        auto deb = project::write_headers_deb(h, opt->out, *ctx.runner);
        ctx.reporter().done();
        WSLMOD_CHECK(deb);
        if (ctx.json) {
            auto doc = headers_json(h);
            doc["file"] = deb->file.string();
            doc["package"] = deb->package;
            doc["version"] = deb->version;
            doc["architecture"] = deb->arch;
            doc["installed_kb"] = deb->installed_kb;
            ctx.emit_json(doc);
            return 0;
        }
        *ctx.out << fmt::format(
            "{}\n  package  {} {} ({})\n  size     {} files, {:.1f} MB "
            "installed\nInstall it with `sudo apt install {}`.\n",
            deb->file.string(), deb->package, deb->version, deb->arch, h.files, h.bytes / 1e6,
            deb->file.is_absolute() ? deb->file.string() : "./" + deb->file.string());
        return 0;
    };
}

} // namespace wslmod::cli
