#include "cli/app.h"
#include "cli/completion.h"
#include "support/catch.h"

using namespace wslmod;

TEST_CASE("the bash completion has a case for every command and group of the table") {
    auto app = cli::make_app();
    auto script = cli::bash_completion(app->parser);
    CHECK(script.find("complete -o default -F _wslmod wslmod\n") != std::string::npos);
    for (const auto& row : cli::subcommands()) {
        INFO(row.path);
        CHECK(script.find("    \"" + row.path + "\") echo \"") != std::string::npos);
    }
    CHECK(script.find("    \"kernel\") echo \"info prepare symvers\" ;;") != std::string::npos);
    CHECK(script.find("    \"kernel info|--config\") return 0 ;;") !=
          std::string::npos);                                                // takes a value
    CHECK(script.find("    \"|--json\") return 0 ;;") == std::string::npos); // a flag does not
}
