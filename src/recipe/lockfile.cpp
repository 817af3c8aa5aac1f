#include "recipe/lockfile.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/file.h"
#include "util/paths.h"
#include "util/sha256.h"

namespace wslmod::recipe {
namespace {
namespace fs = std::filesystem;

constexpr const char* lock_format = "wslmod-lock-1";

util::Error damaged(const fs::path& file, const std::string& what) {
    return util::Error{fmt::format("wslmod.lock is damaged: {}", what), file.string(),
                       "delete it and run `wslmod build` to write it again", util::ExitCode::usage};
}

// Every file below `dir` (symlinks by target), keyed by `prefix` + its relative path.
util::Result<void> digest_files(const fs::path& dir, const std::string& prefix,
                                std::map<std::string, std::string>& out) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; it != end; it.increment(ec)) {
        if (ec) break;
        auto rel = prefix + it->path().lexically_relative(dir).generic_string();
        if (it->is_symlink())
            out[rel] = "link:" + fs::read_symlink(it->path(), ec).generic_string();
        else if (it->is_regular_file())
            out[rel] = util::to_hex(WSLMOD_TRY(util::sha256_file(it->path())));
    }
    if (ec)
        return util::fail(fmt::format("cannot read the recipe folder: {}", ec.message()),
                          dir.string());
    return {};
}

std::string short_digest(const std::string& d) {
    return d.size() > 12 ? d.substr(0, 12) : d;
}

} // namespace

std::string lock_text(const Lock& lock) {
    nlohmann::json recipes = nlohmann::json::object();
    for (const auto& [name, r] : lock.recipes) {
        nlohmann::json j{{"version", r.version}, {"files", r.files}, {"modules", r.modules}};
        if (!r.archive.empty()) j["archive"] = r.archive;
        if (!r.package.empty()) j["package"] = r.package;
        recipes[name] = j;
    }
    nlohmann::json doc{{"format", lock_format},     {"release", lock.release},
                       {"compiler", lock.compiler}, {"toolchain", lock.toolchain},
                       {"kernel", lock.kernel},     {"recipes", recipes},
                       {"image", lock.image}};
    return doc.dump(2) + "\n";
}

util::Result<Lock> parse_lock(std::string_view text, const fs::path& file) {
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return tl::unexpected(damaged(file, "it is not a JSON object"));
    if (doc.value("format", "") != lock_format)
        return tl::unexpected(damaged(file, fmt::format("format is not \"{}\"", lock_format)));
    Lock lock;
    auto text_of = [&](const nlohmann::json& j, const char* key,
                       std::string& out) -> util::Result<void> {
        if (!j.contains(key)) return {};
        if (!j[key].is_string())
            return tl::unexpected(damaged(file, fmt::format("\"{}\" is not a string", key)));
        out = j[key].get<std::string>();
        return {};
    };
    auto map_of = [&](const nlohmann::json& j, const char* key,
                      std::map<std::string, std::string>& out) -> util::Result<void> {
        if (!j.contains(key)) return {};
        if (!j[key].is_object())
            return tl::unexpected(damaged(file, fmt::format("\"{}\" is not an object", key)));
        for (const auto& [k, v] : j[key].items()) {
            if (!v.is_string())
                return tl::unexpected(
                    damaged(file, fmt::format("\"{}\" in \"{}\" is not a string", k, key)));
            out[k] = v.get<std::string>();
        }
        return {};
    };
    WSLMOD_CHECK(text_of(doc, "release", lock.release));
    WSLMOD_CHECK(text_of(doc, "compiler", lock.compiler));
    WSLMOD_CHECK(text_of(doc, "toolchain", lock.toolchain));
    WSLMOD_CHECK(text_of(doc, "image", lock.image));
    WSLMOD_CHECK(map_of(doc, "kernel", lock.kernel));
    if (doc.contains("recipes")) {
        if (!doc["recipes"].is_object())
            return tl::unexpected(damaged(file, "\"recipes\" is not an object"));
        for (const auto& [name, j] : doc["recipes"].items()) {
            if (!j.is_object())
                return tl::unexpected(
                    damaged(file, fmt::format("recipe \"{}\" is not an object", name)));
            LockedRecipe r;
            WSLMOD_CHECK(text_of(j, "version", r.version));
            WSLMOD_CHECK(text_of(j, "archive", r.archive));
            WSLMOD_CHECK(text_of(j, "package", r.package));
            WSLMOD_CHECK(map_of(j, "files", r.files));
            if (j.contains("modules")) {
                if (!j["modules"].is_array())
                    return tl::unexpected(
                        damaged(file, fmt::format("modules of \"{}\" is not a list", name)));
                for (const auto& m : j["modules"]) {
                    if (!m.is_string())
                        return tl::unexpected(
                            damaged(file, fmt::format("a module of \"{}\" is not a string", name)));
                    r.modules.push_back(m.get<std::string>());
                }
            }
            lock.recipes[name] = std::move(r);
        }
    }
    return lock;
}

util::Result<Lock> load_lock(const fs::path& file) {
    auto text = WSLMOD_TRY(util::read_text_decompressed(file));
    return parse_lock(text, file);
}

std::vector<std::string> kernel_differences(const Lock& locked, const Lock& now) {
    std::vector<std::string> out;
    if (locked.release != now.release)
        out.push_back(fmt::format("kernel release {} -> {}", locked.release, now.release));
    if (locked.compiler != now.compiler)
        out.push_back(fmt::format("compiler '{}' -> '{}'", locked.compiler, now.compiler));
    else if (locked.toolchain != now.toolchain)
        out.push_back(fmt::format("toolchain '{}' -> '{}'", locked.toolchain, now.toolchain));
    for (const auto& [name, d] : now.kernel) {
        auto it = locked.kernel.find(name);
        auto was = it == locked.kernel.end() ? std::string("-") : it->second;
        if (was != d)
            out.push_back(
                fmt::format("kernel input {} {} -> {}", name, short_digest(was), short_digest(d)));
    }
    for (const auto& [name, d] : locked.kernel)
        if (!now.kernel.count(name) && d != "-")
            out.push_back(fmt::format("kernel input {} is no longer given", name));
    return out;
}

std::vector<std::string> recipe_differences(const std::string& name, const LockedRecipe& locked,
                                            const LockedRecipe& now) {
    std::vector<std::string> out;
    if (locked.version != now.version)
        out.push_back(
            fmt::format("recipe {}: version {} -> {}", name, locked.version, now.version));
    if (locked.package != now.package)
        out.push_back(fmt::format("recipe {}: package {} -> {}", name,
                                  locked.package.empty() ? "-" : locked.package,
                                  now.package.empty() ? "-" : now.package));
    if (locked.archive != now.archive)
        out.push_back(fmt::format("recipe {}: source archive {} -> {}", name,
                                  short_digest(locked.archive), short_digest(now.archive)));
    for (const auto& [f, d] : now.files) {
        auto w = locked.files.find(f);
        if (w == locked.files.end())
            out.push_back(fmt::format("recipe {}: {} added", name, f));
        else if (w->second != d)
            out.push_back(fmt::format("recipe {}: {} changed", name, f));
    }
    for (const auto& [f, d] : locked.files)
        if (!now.files.count(f)) out.push_back(fmt::format("recipe {}: {} removed", name, f));
    return out;
}

std::vector<std::string> recipe_differences(const Lock& locked, const Lock& now) {
    std::vector<std::string> out;
    for (const auto& [name, r] : now.recipes) {
        auto it = locked.recipes.find(name);
        if (it == locked.recipes.end()) {
            out.push_back(fmt::format("recipe {} is not in the lock", name));
            continue;
        }
        auto one = recipe_differences(name, it->second, r);
        out.insert(out.end(), one.begin(), one.end());
    }
    for (const auto& [name, r] : locked.recipes)
        if (!now.recipes.count(name))
            out.push_back(fmt::format("recipe {} is locked but not built", name));
    return out;
}

util::Result<LockedRecipe> lock_recipe(const Recipe& r) {
    LockedRecipe out;
    out.version = r.version;
    out.archive = r.url.empty() && r.deb.empty() ? "" : r.sha256;
    if (!r.deb.empty()) out.package = r.deb + "=" + r.deb_version;
    if (!r.dir.empty()) WSLMOD_CHECK(digest_files(r.dir, "", out.files));
    // A deb's unpacked source is pinned by the package's own digest.
    if (!r.dkms.empty() && r.source != SourceKind::deb && !util::is_within(r.dkms, r.dir))
        WSLMOD_CHECK(digest_files(r.dkms, "dkms/", out.files));
    if (!r.path.empty() && !util::is_within(r.path, r.dir))
        WSLMOD_CHECK(digest_files(r.path, "path/", out.files));
    return out;
}

util::Result<std::vector<std::string>>
file_differences(const std::string& name, const LockedRecipe& locked, const Recipe& r) {
    auto now = WSLMOD_TRY(lock_recipe(r));
    now.version = locked.version;
    now.archive = locked.archive;
    now.package = locked.package;
    return recipe_differences(name, locked, now);
}

} // namespace wslmod::recipe
