#include "cli/windows_options.h"

namespace wslmod::cli {

std::shared_ptr<wsl::WindowsOptions> add_windows_options(CLI::App& app) {
    auto o = std::make_shared<wsl::WindowsOptions>(wsl::WindowsOptions::from_env());
    app.add_option("--windows-root", o->root,
                   "A folder that stands for C:\\ (no wslpath needed); default "
                   "$WSLMOD_WINDOWS_ROOT, else wslpath");
    return o;
}

} // namespace wslmod::cli
