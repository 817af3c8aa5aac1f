// Recipe and distro-package search; search.h has the matching rules.
#include "recipe/search.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace wslmod::recipe {
namespace {

std::string folded(std::string_view s, bool module) {
    std::string out(s);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (module && c == '-') c = '_';
    }
    return out;
}

bool contains(std::string_view haystack, std::string_view term, bool module = false) {
    return folded(haystack, module).find(folded(term, module)) != std::string::npos;
}

} // namespace

std::vector<SearchHit> search_recipes(const std::vector<Recipe>& recipes, std::string_view term) {
    std::vector<SearchHit> out;
    for (const auto& r : recipes) {
        SearchHit h{r.name, r.version, to_string(r.source), r.summary, {}, false, {}};
        for (const auto& m : r.modules) {
            h.modules.push_back(m.name);
            if (h.matched.empty() && contains(m.name, term, true)) h.matched = "module " + m.name;
        }
        if (contains(r.name, term))
            h.matched = "name";
        else if (h.matched.empty() && (contains(r.summary, term) || contains(r.deb, term)))
            h.matched = "summary";
        if (!h.matched.empty()) out.push_back(std::move(h));
    }
    return out;
}

std::vector<SearchHit> parse_apt_search(std::string_view output,
                                        const std::vector<Recipe>& recipes) {
    std::vector<SearchHit> out;
    std::istringstream in{std::string(output)};
    for (std::string line; std::getline(in, line);) {
        auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        auto package = line.substr(0, dash);
        if (!package.ends_with("-dkms") || package.find(' ') != std::string::npos) continue;
        auto name = package.substr(0, package.size() - 5);
        bool covered = std::any_of(recipes.begin(), recipes.end(), [&](const Recipe& r) {
            return r.deb == package || r.name == name || r.name == package;
        });
        if (covered) continue;
        out.push_back({name, "", "deb " + package, line.substr(dash + 3), {}, true, "package"});
    }
    std::sort(out.begin(), out.end(),
              [](const SearchHit& a, const SearchHit& b) { return a.recipe < b.recipe; });
    return out;
}

std::vector<SearchHit> search_distro(std::string_view term, const std::vector<Recipe>& recipes,
                                     util::CommandRunner& runner) {
    auto got =
        runner.run(util::Command({"apt-cache", "search", "--names-only", std::string(term)}));
    if (!got || got->exit_code != 0) return {};
    return parse_apt_search(got->output, recipes);
}

} // namespace wslmod::recipe
