#include "recipe/scaffold.h"

#include <regex>

#include <fmt/format.h>

#include <sys/stat.h>

#include "util/atomic_dir.h"
#include "util/beneath.h"
#include "util/file.h"

namespace wslmod::recipe {
namespace fs = std::filesystem;
namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

} // namespace

util::Result<Recipe> scaffold(const fs::path& template_dir, const std::string& name,
                              const fs::path& out) {
    WSLMOD_CHECK(check_recipe_name(name, "recipe new"));
    std::error_code ec;
    if (!fs::is_directory(template_dir, ec))
        return util::bad_input("no such template", template_dir.string(),
                               "use kbuild, dkms or in-tree");
    if (fs::exists(out, ec))
        return util::bad_input("the recipe folder exists already", out.string(),
                               "pick another name or -o");
    auto ident = name;
    std::replace(ident.begin(), ident.end(), '-', '_');
    auto subst = [&](std::string s) {
        return replace_all(replace_all(std::move(s), "@NAME@", name), "@IDENT@", ident);
    };

    // Built beside `out`, renamed into place when complete.
    auto building = WSLMOD_TRY(util::AtomicDir::create(out));
    const auto& tmp = building.path();
    // Written through folder descriptors (util/beneath.h): a template is any folder the user
    // names, and its names pass through the substitution.
    auto root = WSLMOD_TRY(util::Beneath::open(tmp));
    for (fs::recursive_directory_iterator it(template_dir, ec), end; !ec && it != end;
         it.increment(ec)) {
        auto rel = subst(it->path().lexically_relative(template_dir).generic_string());
        if (it->is_directory()) {
            WSLMOD_CHECK(root.make_dirs(rel));
            continue;
        }
        auto slash = rel.rfind('/');
        auto folder =
            WSLMOD_TRY(root.make_dirs(slash == std::string::npos ? "" : rel.substr(0, slash)));
        auto text = WSLMOD_TRY(util::read_text_decompressed(it->path()));
        auto fd = WSLMOD_TRY(
            folder.create_file(slash == std::string::npos ? rel : rel.substr(slash + 1)));
        WSLMOD_CHECK(util::write_all(fd.get(), subst(text), (tmp / rel).string()));
        auto mode = static_cast<mode_t>(fs::status(it->path()).permissions() & fs::perms::mask);
        if (::fchmod(fd.get(), mode) != 0)
            return util::fail("cannot set the mode", (tmp / rel).string());
    }
    if (ec)
        return util::fail(fmt::format("cannot read the template: {}", ec.message()),
                          template_dir.string());
    WSLMOD_CHECK(building.commit());
    return load_recipe(out);
}

} // namespace wslmod::recipe
