#include "modules/staging.h"

#include <algorithm>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "util/atomic_file.h"
#include "util/file.h"
#include "util/sha256.h"

namespace wslmod::modules {
namespace fs = std::filesystem;
namespace {

util::Result<void> link_or_copy(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    fs::create_hard_link(from, to, ec);
    if (ec) {
        ec.clear();
        fs::copy_file(from, to, ec);
    }
    if (ec) return util::fail(fmt::format("cannot stage: {}", ec.message()), to.string());
    return {};
}

// The module at `file` compressed as `c`, from the cache of compressed modules (by content).
util::Result<fs::path> compressed_copy(const fs::path& file, Compression c, const fs::path& cache) {
    auto bytes = WSLMOD_TRY(util::read_bytes(file));
    auto hex = util::to_hex(util::Sha256().update(bytes).finish());
    auto out = cache / "compressed" / (hex + ".ko" + suffix(c));
    std::error_code ec;
    if (fs::exists(out, ec)) return out;
    fs::create_directories(out.parent_path(), ec);
    auto packed = WSLMOD_TRY(compress(bytes, c));
    WSLMOD_CHECK(util::write_file_atomically(
        out, std::string_view(reinterpret_cast<const char*>(packed.data()), packed.size())));
    return out;
}

// Walks `from` (sorted), mirroring folders and hard-linking files into `to` and `plain_to`
// (from `plain_from`, same relative paths), leaving out `skip`.
util::Result<void> mirror(const fs::path& from, const fs::path& plain_from, const fs::path& to,
                          const fs::path& plain_to, const std::set<std::string>& skip) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(from, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        auto rel = it->path().lexically_relative(from);
        auto r = rel.generic_string();
        if (skip.count(r)) continue;
        auto st = it->symlink_status();
        if (fs::is_directory(st)) {
            fs::create_directories(to / rel);
            fs::create_directories(plain_to / rel);
        } else if (fs::is_symlink(st)) {
            fs::copy_symlink(it->path(), to / rel, ec);
            if (!ec) fs::copy_symlink(it->path(), plain_to / rel, ec);
            if (ec)
                return util::fail(fmt::format("cannot stage: {}", ec.message()),
                                  (to / rel).string());
        } else {
            WSLMOD_CHECK(link_or_copy(it->path(), to / rel));
            WSLMOD_CHECK(link_or_copy(plain_from / rel, plain_to / rel));
        }
    }
    if (ec) return util::fail(fmt::format("cannot read: {}", ec.message()), from.string());
    return {};
}

} // namespace

const std::vector<std::string>& depmod_outputs() {
    static const std::vector<std::string> names = {
        "modules.dep",         "modules.dep.bin",
        "modules.alias",       "modules.alias.bin",
        "modules.softdep",     "modules.weakdep",
        "modules.symbols",     "modules.symbols.bin",
        "modules.builtin.bin", "modules.builtin.alias.bin",
        "modules.devname"};
    return names;
}

Staging::Staging(Staging&& o) noexcept
    : added(std::move(o.added)), replaced(std::move(o.replaced)), stock_modules(o.stock_modules),
      unchanged(o.unchanged), warnings(std::move(o.warnings)), work_(std::move(o.work_)),
      release_(std::move(o.release_)) {
    o.work_.clear();
}

Staging::~Staging() {
    std::error_code ec;
    if (!work_.empty()) fs::remove_all(work_, ec);
}

fs::path Staging::root() const {
    return work_ / "image/lib/modules" / release_;
}
fs::path Staging::plain_root() const {
    return work_ / "plain/lib/modules" / release_;
}
fs::path Staging::depmod_base() const {
    return work_ / "plain";
}

util::Result<Staging> Staging::create(const StageSpec& spec, const fs::path& work) {
    Staging s;
    s.release_ = spec.release;
    std::error_code ec;
    fs::remove_all(work, ec);
    s.work_ = work;
    fs::create_directories(s.root(), ec);
    fs::create_directories(s.plain_root(), ec);
    if (ec)
        return util::fail(fmt::format("cannot create the staging tree: {}", ec.message()),
                          work.string());

    // Clashes first, so that a refusal costs nothing.
    std::map<std::string, std::vector<std::string>> stock_paths; // kernel name -> paths
    if (spec.stock)
        for (const auto& m : spec.stock->modules)
            stock_paths[m.name].push_back(m.path);
    std::set<std::string> skip(depmod_outputs().begin(), depmod_outputs().end());
    std::map<std::string, std::string> seen; // kernel name -> recipe
    for (const auto& a : spec.added) {
        auto name = kernel_name(a.name);
        if (auto it = seen.find(name); it != seen.end())
            return util::bad_input(fmt::format("recipes {} and {} both build a module named {}",
                                               it->second, a.recipe, name),
                                   a.file.string(),
                                   "rename one of the modules, or build only one of the recipes");
        seen[name] = a.recipe;
        auto stock = stock_paths.find(name);
        if (stock == stock_paths.end()) continue;
        std::set<std::string> allowed;
        if (auto r = spec.replaces.find(a.recipe); r != spec.replaces.end())
            for (const auto& n : r->second)
                allowed.insert(kernel_name(n));
        auto rebuilt_in_tree = [&] {
            auto folders = spec.in_tree.find(a.recipe);
            if (folders == spec.in_tree.end()) return false;
            return std::all_of(
                stock->second.begin(), stock->second.end(), [&](const std::string& p) {
                    return std::any_of(
                        folders->second.begin(), folders->second.end(),
                        [&](const std::string& f) { return p.starts_with("kernel/" + f + "/"); });
                });
        };
        if (!allowed.count(name) && !rebuilt_in_tree())
            return util::bad_input(
                fmt::format("recipe {} builds module {}, which the stock modules already have ({})",
                            a.recipe, a.name, stock->second.front()),
                a.recipe,
                fmt::format("to override the stock module, add replaces = [\"{}\"] to the recipe; "
                            "otherwise rename the module",
                            a.name));
        for (const auto& p : stock->second) {
            skip.insert(p);
            s.replaced.push_back({a.recipe, name, p, ""});
        }
    }
    for (const auto& [recipe, names] : spec.replaces)
        for (const auto& n : names)
            if (!stock_paths.count(kernel_name(n)))
                s.warnings.push_back(fmt::format(
                    "recipe {} replaces {}, which the stock modules do not have", recipe, n));

    if (spec.stock) {
        WSLMOD_CHECK(mirror(spec.stock->tree, spec.stock->plain, s.root(), s.plain_root(), skip));
        s.stock_modules = spec.stock->modules.size();
        s.unchanged = s.stock_modules - s.replaced.size();
    } else {
        for (const char* name : {"modules.order", "modules.builtin", "modules.builtin.modinfo"}) {
            WSLMOD_CHECK(util::write_file(s.root() / name, ""));
            WSLMOD_CHECK(util::write_file(s.plain_root() / name, ""));
        }
    }

    for (const auto& a : spec.added) {
        auto dest = fs::path(a.dest).lexically_normal();
        if (dest.is_absolute() || dest.generic_string().starts_with(".."))
            return util::bad_input(
                fmt::format("module {} has destination '{}', which leaves the modules folder",
                            a.name, a.dest),
                a.recipe, "use a folder below lib/modules/<release>, such as extra/" + a.recipe);
        auto rel = (dest / a.file.filename()).generic_string() + suffix(spec.compression);
        fs::create_directories(s.root() / dest, ec);
        fs::create_directories(s.plain_root() / dest, ec);
        if (fs::exists(s.root() / rel, ec))
            return util::bad_input(
                fmt::format("module {} would overwrite {} in the image", a.name, rel), a.recipe,
                "give the module another dest");
        auto packed = spec.compression == Compression::none
                          ? a.file
                          : WSLMOD_TRY(compressed_copy(a.file, spec.compression, spec.cache));
        WSLMOD_CHECK(link_or_copy(packed, s.root() / rel));
        // libkmod tells compression by magic, not by name: depmod reads the plain twin as is.
        WSLMOD_CHECK(link_or_copy(a.file, s.plain_root() / rel));
        s.added.push_back({a.recipe, a.name, rel});
        for (auto& r : s.replaced)
            if (r.name == kernel_name(a.name)) r.path = rel;
    }
    return s;
}

} // namespace wslmod::modules
