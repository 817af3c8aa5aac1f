// Lexical questions about paths, answered without touching the disk.
#pragma once

#include <filesystem>

namespace wslmod::util {

// Whether `p` is `dir` or lies below it, after normalising both (so "a/../../x" is not below
// "a").  Lexical only: a symlink below `dir` can still lead elsewhere, so this decides what
// to trust in a path someone wrote, never where it is safe to write (util/beneath.h does that).
bool is_within(const std::filesystem::path& p, const std::filesystem::path& dir);

} // namespace wslmod::util
