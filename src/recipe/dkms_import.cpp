#include "recipe/dkms_import.h"

#include <fstream>
#include <unistd.h>

#include <fmt/format.h>

#include "recipe/recipe_toml.h"
#include "util/atomic_dir.h"
#include "util/atomic_file.h"
#include "util/copy_tree.h"
#include "util/file.h"

namespace wslmod::recipe {
namespace fs = std::filesystem;

util::Result<ImportResult> import_dkms(const fs::path& dir, const fs::path& out_arg,
                                       const std::vector<fs::path>& extra_patches,
                                       const DkmsKernel& kernel, util::CommandRunner& runner) {
    std::error_code ec;
    auto conf = WSLMOD_TRY(evaluate_dkms(dir, kernel, runner));
    auto r = WSLMOD_TRY(recipe_from_dkms(conf, kernel));
    // A recipe folder is named after its recipe; an existing folder receives <name>/.
    auto out = fs::is_directory(out_arg, ec) ? out_arg / r.name : out_arg;
    if (fs::exists(out, ec))
        return util::bad_input("the output folder exists already", out.string(),
                               "pick a new -o folder");
    // A recipe is found by its folder's name, so a folder named otherwise names the recipe:
    // `-o recipes/v4l` gives a recipe v4l built from the package v4l2loopback.
    std::string renamed_from;
    if (out.filename() != r.name) {
        WSLMOD_CHECK(check_recipe_name(out.filename().string(), out.string()));
        renamed_from = r.name;
        r.name = out.filename().string();
    }

    auto building = WSLMOD_TRY(util::AtomicDir::create(out));
    const auto& tmp = building.path();
    WSLMOD_CHECK(util::copy_tree(dir, tmp / "src", "the dkms source"));

    r.dir = tmp;
    r.file = tmp / "recipe.toml";
    r.source = SourceKind::path;
    r.path = tmp / "src";
    r.dkms.clear();
    r.summary = renamed_from.empty()
                    ? fmt::format("{} {}, imported from its dkms.conf", r.name, r.version)
                    : fmt::format("{} {} (the DKMS package {}), imported from its dkms.conf",
                                  r.name, r.version, renamed_from);
    for (auto& p : r.patches)
        p = tmp / "src" / p.lexically_relative(dir);
    for (const auto& p : extra_patches) {
        if (!fs::is_regular_file(p, ec))
            return util::bad_input("no such patch", p.string(), "name a patch file");
        // A unified diff has a "--- ", a "+++ " and a "@@ " line; anything else would only fail
        // later, in the middle of a build, as patch(1) rejecting it.
        auto text = WSLMOD_TRY(util::read_text_decompressed(p));
        bool from = false, to = false, hunk = false;
        for (size_t at = 0; at < text.size();) {
            auto end = text.find('\n', at);
            auto line = std::string_view(text).substr(
                at, end == std::string::npos ? std::string::npos : end - at);
            from = from || line.starts_with("--- ");
            to = to || line.starts_with("+++ ");
            hunk = hunk || line.starts_with("@@ ");
            at = end == std::string::npos ? text.size() : end + 1;
        }
        if (!from || !to || !hunk)
            return util::bad_input("not a patch: a unified diff has '--- ', '+++ ' and '@@ ' lines",
                                   p.string(),
                                   "pass the output of `diff -u` or `git format-patch`");
        fs::create_directories(tmp / "patches");
        fs::copy_file(p, tmp / "patches" / p.filename(), ec);
        if (ec)
            return util::fail(fmt::format("cannot copy the patch: {}", ec.message()), p.string());
        r.patches.push_back(tmp / "patches" / p.filename());
    }
    if (!is_placeholder(kernel)) {
        r.command = to_placeholders(r.command, kernel);
        r.pre_build = to_placeholders(r.pre_build, kernel);
        r.post_build = to_placeholders(r.post_build, kernel);
    }
    WSLMOD_CHECK(util::write_file(r.file, "# Imported by `wslmod recipe import-dkms` from " +
                                              fs::absolute(dir).string() + "\n" + to_toml(r)));
    auto written = WSLMOD_TRY(util::read_text_decompressed(r.file));
    WSLMOD_TRY(parse_recipe(written, r.file));
    WSLMOD_CHECK(building.commit());
    auto text = WSLMOD_TRY(util::read_text_decompressed(out / "recipe.toml"));
    return ImportResult{WSLMOD_TRY(parse_recipe(text, out / "recipe.toml")),
                        ignored_dkms_variables(conf)};
}

} // namespace wslmod::recipe
