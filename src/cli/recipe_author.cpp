#include "cli/recipe_author.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kernel/prepare.h"
#include "recipe/catalog.h"
#include "recipe/dkms_import.h"
#include "recipe/scaffold.h"

namespace wslmod::cli {
namespace fs = std::filesystem;

Action setup_recipe_new(CLI::App& app) {
    struct Options {
        std::string name, kind = "kbuild", out;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("NAME", opt->name, "Name of the new recipe")->required();
    app.add_option("--template", opt->kind,
                   "Template: kbuild (a Kbuild folder), dkms (a dkms.conf source), in-tree (kernel "
                   "drivers)")
        ->check(CLI::IsMember({"kbuild", "dkms", "in-tree"}))
        ->capture_default_str();
    app.add_option("-o,--output", opt->out,
                   "Folder to create (default recipes/NAME, on the project's search path)");
    return [opt](const Context& ctx) -> util::Result<int> {
        auto templates = WSLMOD_TRY(recipe::find_shipped_dir("templates", "WSLMOD_TEMPLATES"));
        fs::path out = opt->out.empty() ? fs::path("recipes") / opt->name : fs::path(opt->out);
        auto r = WSLMOD_TRY(recipe::scaffold(templates / opt->kind, opt->name, fs::absolute(out)));
        if (ctx.json)
            ctx.emit_json({{"recipe", r.name}, {"dir", r.dir.string()}, {"template", opt->kind}});
        else
            *ctx.out << fmt::format("created {} from the {} template: edit {}\n", r.dir.string(),
                                    opt->kind, r.file.string());
        return 0;
    };
}

Action setup_recipe_import_dkms(CLI::App& app) {
    struct Options {
        std::string dir, out, tree;
        std::vector<std::string> patches;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("DIR", opt->dir,
                   "DKMS source folder (holding dkms.conf), e.g. /usr/src/v4l2loopback-0.12.7")
        ->required();
    app.add_option("-o,--output", opt->out, "Recipe folder to create")->required();
    app.add_option("--patch", opt->patches,
                   "Extra patch to carry, applied after dkms.conf's own (repeatable)");
    app.add_option("--kernel", opt->tree,
                   "Prepared kernel tree to evaluate dkms.conf for (default: placeholders)");
    return [opt](const Context& ctx) -> util::Result<int> {
        auto kernel = recipe::placeholder_kernel();
        if (!opt->tree.empty()) {
            auto tree =
                WSLMOD_TRY(kernel::open_prepared_tree(fs::absolute(opt->tree).lexically_normal()));
            kernel.release = tree.release;
            kernel.source_dir = tree.dir;
        }
        std::vector<fs::path> patches(opt->patches.begin(), opt->patches.end());
        auto result = WSLMOD_TRY(recipe::import_dkms(fs::absolute(opt->dir).lexically_normal(),
                                                     fs::absolute(opt->out).lexically_normal(),
                                                     patches, kernel, *ctx.runner));
        if (ctx.json) {
            ctx.emit_json({{"recipe", result.recipe.name},
                           {"dir", result.recipe.dir.string()},
                           {"ignored", result.ignored}});
            return 0;
        }
        for (const auto& i : result.ignored)
            ctx.note("not imported: " + i);
        *ctx.out << fmt::format("imported {} {} into {}\n", result.recipe.name,
                                result.recipe.version, result.recipe.dir.string());
        return 0;
    };
}

} // namespace wslmod::cli
