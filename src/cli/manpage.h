// wslmod(1), written in man(7) roff from the same CLI11 parser the program runs, so every
// command and option the binary accepts is documented and nothing else is.  Written by hand
// rather than with help2man: help2man sees only the top-level --help, not the options of the 28
// subcommands, and it would be one more build dependency.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace wslmod::cli {

// The man page for `app` (made by make_app); `date` goes into the .TH line as given (the build
// passes SOURCE_DATE_EPOCH's date, so the page is reproducible).
std::string man_page(const CLI::App& app, const std::string& version, const std::string& date);

// `text` escaped for roff: backslashes, hyphens (so that options copy and paste as ASCII '-'),
// and a leading '.' or '\'' that would start a request.
std::string roff_escape(const std::string& text);

} // namespace wslmod::cli
