#include "project/publish.h"

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/file_source.h"
#include "kernel/modinfo.h"
#include "recipe/catalog.h"
#include "recipe/lockfile.h"
#include "util/atomic_file.h"
#include "util/file.h"
#include "util/sha256.h"
#include "util/template_text.h"
#include "wsl/wslconfig.h"

namespace wslmod::project {
namespace {
namespace fs = std::filesystem;

// `s` as it goes inside a JSON string (without the quotes).
std::string json_inner(const std::string& s) {
    auto q = nlohmann::json(s).dump();
    return q.substr(1, q.size() - 2);
}

} // namespace

util::Result<PublishReport> publish_image(const PublishOptions& o) {
    if (!o.url.starts_with("https://") && !o.url.starts_with("http://"))
        return util::bad_input("the URL is not http(s)", o.url,
                               "pass where the image will be downloaded from");
    auto image = fs::absolute(o.image).lexically_normal();
    auto sha = util::to_hex(WSLMOD_TRY(util::sha256_file(image)));
    auto src = WSLMOD_TRY(image::open_file_source(image));
    auto release = WSLMOD_TRY(kernel::modules_release(*src));

    std::string recipes = "modules";
    fs::path lock_file = o.lock.empty() ? fs::path(recipe::lock_name) : fs::path(o.lock);
    if (!o.lock.empty() || fs::exists(lock_file)) {
        auto lock = WSLMOD_TRY(recipe::load_lock(lock_file));
        if (lock.image != sha)
            return util::bad_input(
                fmt::format("{} describes the image {}, not this one ({})", lock_file.string(),
                            lock.image.substr(0, 12), sha.substr(0, 12)),
                image.string(), "publish the image that lock built, or run `wslmod build` first");
        recipes.clear();
        for (const auto& [name, r] : lock.recipes)
            recipes += (recipes.empty() ? "" : ", ") + name + " " + r.version;
    }
    auto windows_dir = o.windows_dir.empty()
                           ? "C:\\Users\\<you>\\AppData\\Local\\wslmod\\" + release
                           : o.windows_dir;
    while (windows_dir.ends_with("\\"))
        windows_dir.pop_back();
    auto name = image.filename().string();
    std::map<std::string, std::string> values{
        {"RELEASE", release},
        {"SHA256", sha},
        {"RECIPES", recipes},
        {"IMAGE", name},
        {"URL", o.url},
        {"HOMEPAGE", o.homepage},
        {"VERSION", release + "-" + sha.substr(0, 8)},
        {"KERNEL", wsl::escape_value(windows_dir + "\\kernel")},
        {"MODULES", wsl::escape_value(windows_dir + "\\" + name)}};

    auto templates = WSLMOD_TRY(recipe::find_shipped_dir("templates", "WSLMOD_TEMPLATES"));
    auto out =
        o.out.empty() ? image.parent_path() / "publish" : fs::absolute(o.out).lexically_normal();
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) return util::fail(fmt::format("cannot create: {}", ec.message()), out.string());

    // The Scoop manifest: every value JSON-escaped, and the result must parse.
    auto scoop_template = templates / "publish/scoop.json";
    auto json_values = values;
    for (auto& [k, v] : json_values)
        v = json_inner(v);
    auto scoop_text = WSLMOD_TRY(util::read_text_decompressed(scoop_template));
    auto scoop = WSLMOD_TRY(util::fill_template(scoop_text, json_values, scoop_template.string()));
    auto parsed = nlohmann::ordered_json::parse(scoop, nullptr, false);
    if (parsed.is_discarded())
        return util::fail("the filled Scoop manifest is not JSON", scoop_template.string(),
                          "use the template shipped with this wslmod");
    auto snippet_template = templates / "publish/wslconfig.snippet";
    auto snippet_text = WSLMOD_TRY(util::read_text_decompressed(snippet_template));
    auto snippet = WSLMOD_TRY(util::fill_template(snippet_text, values, snippet_template.string()));

    const std::vector<std::pair<fs::path, std::string>> files{
        {out / (name + ".sha256"), sha + "  " + name + "\n"},
        {out / "scoop.json", parsed.dump(4) + "\n"},
        {out / "wslconfig.snippet", snippet}};
    PublishReport report{image, release, sha, {}};
    for (const auto& [path, text] : files) {
        WSLMOD_CHECK(util::write_file_atomically(path, text));
        report.files.push_back(path);
    }
    return report;
}

} // namespace wslmod::project
