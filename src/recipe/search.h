// `wslmod search TERM`: recipes whose name, summary or modules match, and the distro's DKMS
// packages whose name matches.  Matching is case-insensitive and by substring; in module names
// '-' and '_' are the same character, as they are to modprobe.
//
// Distro packages come from `apt-cache search --names-only TERM` (no network, no root), whose
// lines are "<package> - <summary>"; only packages named *-dkms are kept, since those are what
// a deb recipe or `wslmod add NAME` can build.  Their modules are unknown until fetched.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "recipe/recipe.h"
#include "util/process.h"

namespace wslmod::recipe {

struct SearchHit {
    std::string recipe, version, source, summary;
    std::vector<std::string> modules;
    bool distro = false; // a distro *-dkms package with no recipe of its own
    std::string matched; // "name", "summary" or "module <name>"
};

// The recipes matching `term`, in the order given.
std::vector<SearchHit> search_recipes(const std::vector<Recipe>& recipes, std::string_view term);

// The *-dkms packages of `apt-cache search` output, except those a recipe already stands for
// (by deb source or by name).
std::vector<SearchHit> parse_apt_search(std::string_view output,
                                        const std::vector<Recipe>& recipes);

// The same, running apt-cache; an empty list when apt is not there (search still answers for
// recipes).
std::vector<SearchHit> search_distro(std::string_view term, const std::vector<Recipe>& recipes,
                                     util::CommandRunner& runner);

} // namespace wslmod::recipe
