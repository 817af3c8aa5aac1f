#include "recipe/scaffold.h"

#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "util/atomic_file.h"
#include "util/file.h"

namespace wslmod::recipe {
namespace fs = std::filesystem;
namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    return s;
}

} // namespace

util::Result<Recipe> scaffold(const fs::path& template_dir, const std::string& name, const fs::path& out) {
    WSLMOD_CHECK(check_recipe_name(name, "recipe new"));
    std::error_code ec;
    if (!fs::is_directory(template_dir, ec))
        return util::bad_input("no such template", template_dir.string(), "use kbuild, dkms or in-tree");
    if (fs::exists(out, ec)) return util::bad_input("the recipe folder exists already", out.string(), "pick another name or -o");
    auto ident = name;
    std::replace(ident.begin(), ident.end(), '-', '_');
    auto subst = [&](std::string s) { return replace_all(replace_all(std::move(s), "@NAME@", name), "@IDENT@", ident); };

    // Built beside `out`, renamed into place when complete.
    auto tmp = out.parent_path() / fmt::format(".{}.tmp-{}", out.filename().string(), ::getpid());
    fs::create_directories(tmp, ec);
    if (ec) return util::fail(fmt::format("cannot create it: {}", ec.message()), tmp.string());
    struct Cleanup {
        fs::path p;
        ~Cleanup() { std::error_code e; fs::remove_all(p, e); }
    } cleanup{tmp};
    for (fs::recursive_directory_iterator it(template_dir, ec), end; !ec && it != end; it.increment(ec)) {
        auto rel = fs::path(subst(it->path().lexically_relative(template_dir).string()));
        if (it->is_directory()) {
            fs::create_directories(tmp / rel);
            continue;
        }
        auto text = WSLMOD_TRY(util::read_text_decompressed(it->path()));
        std::ofstream(tmp / rel, std::ios::binary) << subst(text);
        fs::permissions(tmp / rel, fs::status(it->path()).permissions(), ec);
    }
    if (ec) return util::fail(fmt::format("cannot read the template: {}", ec.message()), template_dir.string());
    WSLMOD_CHECK(util::fsync_path(tmp));
    fs::rename(tmp, out, ec);
    if (ec) return util::fail(fmt::format("cannot create the recipe folder: {}", ec.message()), out.string());
    return load_recipe(out);
}

} // namespace wslmod::recipe
