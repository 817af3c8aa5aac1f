// The README's catalog table, generated from the shipped recipes and the stock WSL configs
// (scripts/catalog-table writes it between the README's catalog markers; a unit test checks
// that the README holds exactly what this renders).  One Markdown row per recipe:
//   | recipe | what it is for | modules | left unset by <config> ... | source |
// where each config column says which of the recipe's [kconfig] options that stock config
// leaves unset ("all 12", "CAN_VXCAN", "none: stock"), or "not in the kernel tree" for a
// recipe whose source is outside it.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "recipe/recipe.h"

namespace wslmod::recipe {

struct StockColumn {
    std::string label;                               // "stock 6.6"
    std::function<bool(const std::string&)> enabled; // symbol (without CONFIG_) is y or m
};

std::string catalog_table(const std::vector<Recipe>& recipes,
                          const std::vector<StockColumn>& columns);

// `readme` with the text between "<!-- catalog:begin -->" and "<!-- catalog:end -->" (lines of
// their own) replaced by `table`; an error when the markers are missing.
util::Result<std::string> with_catalog(std::string_view readme, const std::string& table);

// The README at `readme` with its catalog rendered from the recipes in `recipes` and the stock
// configs `configs` (columns labelled "stock <version>" from each config's header).
util::Result<std::string> readme_with_catalog(const std::filesystem::path& readme,
                                              const std::filesystem::path& recipes,
                                              const std::vector<std::filesystem::path>& configs);

} // namespace wslmod::recipe
