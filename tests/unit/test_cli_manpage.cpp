#include <sstream>

#include "cli/app.h"
#include "cli/manpage.h"
#include "support/catch.h"

using namespace wslmod;

TEST_CASE("roff_escape keeps hyphens ASCII, backslashes literal, and never starts a request") {
    CHECK(cli::roff_escape("--stock-kernel") == "\\-\\-stock\\-kernel");
    CHECK(cli::roff_escape("C:\\wslmod") == "C:\\ewslmod");
    CHECK(cli::roff_escape(".wslconfig keys") == "\\&.wslconfig keys");
    CHECK(cli::roff_escape("'quoted'") == "\\&'quoted'");
    CHECK(cli::roff_escape("a.b") == "a.b");
}

TEST_CASE("the man page documents every command of the table and each of its options") {
    auto app = cli::make_app();
    auto page = cli::man_page(app->parser, "9.9.9", "2026-12-01");
    CHECK(page.starts_with(".TH WSLMOD 1 \"2026-12-01\" \"wslmod 9.9.9\""));
    for (const auto& row : cli::subcommands()) {
        INFO(row.path);
        CHECK(page.find(".SS \"wslmod " + row.path + "\"\n") != std::string::npos);
    }
    CHECK(page.find("\\fB\\-\\-stock\\-kernel\\fR") != std::string::npos);
    CHECK(page.find("\\fB\\-j\\fR, \\fB\\-\\-jobs\\fR") != std::string::npos);
    // No text line may start with '.' or '\'' unless it is a request this generator wrote.
    std::istringstream lines(page);
    for (std::string line; std::getline(lines, line);) {
        INFO(line);
        if (line.starts_with(".") || line.starts_with("'"))
            CHECK((line.starts_with(".TH ") || line.starts_with(".SH ") ||
                   line.starts_with(".SS ") || line == ".TP" || line == ".PP" || line == ".br" ||
                   line.starts_with(".B ") || line.starts_with(".I ") || line.starts_with(".BR ")));
    }
}
