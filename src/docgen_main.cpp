// wslmod-docgen: a build-time helper that writes wslmod(1) and the bash completion from the
// parser cli::make_app builds, the same one wslmod runs.  Not installed.
//
//   wslmod-docgen man OUT.1 VERSION DATE
//   wslmod-docgen bash OUT
#include <iostream>
#include <string>

#include "cli/app.h"
#include "cli/completion.h"
#include "cli/manpage.h"
#include "util/atomic_file.h"

int main(int argc, char** argv) {
    using namespace wslmod;
    std::string what = argc > 1 ? argv[1] : "";
    auto cli = cli::make_app();
    std::string text;
    if (what == "man" && argc == 5)
        text = cli::man_page(cli->parser, argv[3], argv[4]);
    else if (what == "bash" && argc == 3)
        text = cli::bash_completion(cli->parser);
    else {
        std::cerr << "usage: wslmod-docgen man OUT VERSION DATE | wslmod-docgen bash OUT\n";
        return 2;
    }
    if (auto ok = util::write_file_atomically(argv[2], text); !ok) {
        std::cerr << "wslmod-docgen: error: " << ok.error().message() << '\n';
        return 1;
    }
    return 0;
}
