// What every subcommand handler gets: global options and where to write.
#pragma once

#include <iosfwd>

#include <nlohmann/json_fwd.hpp>

#include "util/process.h"

namespace wslmod::cli {

struct Context {
    bool json = false;           // --json: one JSON document on stdout instead of text
    std::ostream* out = nullptr; // stdout
    std::ostream* err = nullptr; // stderr: progress and warnings
    util::CommandRunner* runner = nullptr;

    // Writes `doc` as the command's machine-readable result (indented, newline-terminated).
    void emit_json(const nlohmann::json& doc) const;
};

} // namespace wslmod::cli
