// What every subcommand handler gets: global options, where to write, and how to say things
// on the way (cli/console.h).
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "project/reporter.h"
#include "util/error.h"
#include "util/process.h"
#include "util/timings.h"

namespace wslmod::cli {

struct Context {
    bool json = false;           // --json: one JSON document on stdout instead of text
    std::ostream* out = nullptr; // stdout
    std::ostream* err = nullptr; // stderr: progress and warnings
    util::CommandRunner* runner = nullptr;
    project::Reporter* console = nullptr; // renders progress and messages on err; quiet when unset
    bool timings = false;                 // --timings: print each step's wall time on err

    // Writes `doc` as the command's machine-readable result (indented, newline-terminated).
    void emit_json(const nlohmann::json& doc) const;
    // With --json, an error that carries details becomes the command's JSON document:
    // {"error": message, ...details}, so that nothing a one-line message summarises is lost.
    // The one-line message still goes to stderr (main.cpp).
    void emit_error_details(const util::Error& e) const;
    // "wslmod: warning: ..." on stderr, with --json too; "wslmod: note: ..." without --json.
    void warn(const std::string& text) const { reporter().warn(text); }
    void note(const std::string& text) const { reporter().note(text); }
    // With --timings, "wslmod: timings: <what>: step 1.20 s, ... (total 3.40 s)" on err, with
    // --json too (the JSON document carries the same figures as "seconds").
    void print_timings(const std::string& what, const util::Timings& t) const;
    project::Reporter& reporter() const { return console ? *console : project::quiet(); }
};

} // namespace wslmod::cli
