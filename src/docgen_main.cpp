// wslmod-docgen: a build-time helper that writes wslmod(1) and the bash completion from the
// parser cli::make_app builds, the same one wslmod runs.  Not installed.
//
//   wslmod-docgen man OUT.1 VERSION DATE
//   wslmod-docgen bash OUT
//   wslmod-docgen catalog README RECIPES CONFIG...   the catalog table, spliced into README
#include <iostream>
#include <string>

#include "recipe/catalog_table.h"

#include "cli/app.h"
#include "cli/completion.h"
#include "cli/manpage.h"
#include "util/atomic_file.h"

int main(int argc, char** argv) {
    using namespace wslmod;
    std::string what = argc > 1 ? argv[1] : "";
    auto cli = cli::make_app();
    std::string text;
    if (what == "catalog" && argc >= 5) {
        auto spliced = recipe::readme_with_catalog(argv[2], argv[3], {argv + 4, argv + argc});
        if (!spliced) {
            std::cerr << "wslmod-docgen: error: " << spliced.error().message() << '\n';
            return 1;
        }
        text = *spliced;
    } else if (what == "man" && argc == 5)
        text = cli::man_page(cli->parser, argv[3], argv[4]);
    else if (what == "bash" && argc == 3)
        text = cli::bash_completion(cli->parser);
    else {
        std::cerr << "usage: wslmod-docgen man OUT VERSION DATE | wslmod-docgen bash OUT | "
                     "wslmod-docgen catalog README RECIPES CONFIG...\n";
        return 2;
    }
    if (auto ok = util::write_file_atomically(argv[2], text); !ok) {
        std::cerr << "wslmod-docgen: error: " << ok.error().message() << '\n';
        return 1;
    }
    return 0;
}
