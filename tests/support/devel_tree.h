// The Debian stand-in kernel's devel tree, prepared by wslmod once per build folder, and
// modules built against it from the shipped recipes' sources (module-recipes/<name>/files).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace wslmod::test {

// `wslmod kernel prepare` on the Debian fixture (cached under the build folder); extra
// arguments (e.g. --symvers FILE) give other trees.  Fails the test on error.
std::filesystem::path prepared_tree(const std::vector<std::string>& extra = {});

// Builds module-recipes/<name>/files against `tree` in `dir`; returns the .ko path.
std::filesystem::path build_playground_module(const std::string& name,
                                              const std::filesystem::path& tree,
                                              const std::filesystem::path& dir);

// A modules image: the stock tree plus `extra` modules under extra/, depmod run, packed by wslmod.
std::filesystem::path image_with(const std::vector<std::filesystem::path>& extra,
                                 const std::filesystem::path& dir);

} // namespace wslmod::test
