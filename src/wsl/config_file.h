// %USERPROFILE%\.wslconfig on disk: where its bytes live, reading them with the form they are in
// (text_form.h), and writing them back atomically in that same place.
//
// A .wslconfig that is a symlink (dotfile managers link it from a repository) is edited where
// its bytes are: the link is followed to its final target, and the new bytes are renamed over
// that target from a temporary in the target's folder, so the link stays a link.  A dangling
// link names the file to create.  A folder, a device, a link loop, an unreadable file or one of
// more than 16 MiB (WSL's settings never are) is an error before anything is written.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "util/error.h"
#include "wsl/text_form.h"

namespace wslmod::wsl {

struct ConfigFile {
    std::filesystem::path path;       // where the bytes live: the path given, or its link's target
    std::optional<std::string> bytes; // nullopt: there is no file
    TextForm form;                    // the form of `bytes` (UTF-8 without BOM when there is none)
    std::string text;                 // the text, decoded: UTF-8 without the BOM ("" for no file)
};

// Where the bytes of `wslconfig` live (symlinks followed, at most 40).
util::Result<std::filesystem::path> locate_config(const std::filesystem::path& wslconfig);

// Reads `wslconfig` (through its links) and decodes it.
util::Result<ConfigFile> read_config(const std::filesystem::path& wslconfig);

// Decodes bytes read earlier (a saved copy), `where` naming them in errors.
util::Result<ConfigFile> decode_config(const std::optional<std::string>& bytes,
                                       const std::filesystem::path& where);

// `text` as bytes in `form`, checked to decode back to `text` (so nothing is lost on the way).
util::Result<std::string> encode_config(const std::string& text, TextForm form,
                                        const std::filesystem::path& where);

} // namespace wslmod::wsl
