// Proves a staged modules tree sound before it becomes an image, through libkmod on the tree
// itself (kmod_new with the staging folder and no configuration), the way modprobe will read it:
//   indexes   modules.dep, .alias, .symbols and .builtin, and their .bin forms, are present
//   names     every module in modules.dep resolves by its name to that very file
//   deps      every dependency libkmod reports for it exists in the tree
//   aliases   every alias in modules.alias resolves (through the binary index) to its module
//   vermagic  every module's vermagic names the release; read from the plain twin of each file
//             (staging.h), and for added modules also from the compressed file itself, which
//             proves libkmod can read what wslmod compressed
// Checks run on `jobs` threads, each with its own libkmod context.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::modules {

struct VerifyReport {
    size_t modules = 0, dependencies = 0, aliases = 0;
    std::vector<std::string> warnings; // firmware an added module asks for and the image lacks
};

struct VerifySpec {
    std::filesystem::path root;       // the staged lib/modules/<release>
    std::filesystem::path plain_root; // its plain twin (may equal root)
    std::string release;
    std::vector<std::string> added; // paths below root of the added modules
    unsigned jobs = 1;
};

util::Result<VerifyReport> verify_tree(const VerifySpec& spec);

// An alias pattern from modules.alias made into a string it matches: each [set] becomes its
// first character, so that libkmod's own pattern lookup can be asked for it.
std::string alias_instance(const std::string& pattern);

} // namespace wslmod::modules
