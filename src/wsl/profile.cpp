#include "wsl/profile.h"

#include <fmt/format.h>

#include "kernel/kernel_image.h"
#include "util/file.h"

namespace wslmod::wsl {
namespace fs = std::filesystem;

std::string source_url(const std::string& version) {
    return fmt::format(
        "https://github.com/microsoft/WSL2-Linux-Kernel/archive/refs/tags/linux-msft-wsl-{}.tar.gz",
        version);
}

util::Result<std::string> wsl_version_of(const std::string& release) {
    auto r = release;
    const std::string suffix = "-microsoft-standard-WSL2";
    if (!r.ends_with(suffix) || r.size() == suffix.size())
        return util::bad_input(
            "not a WSL kernel release (they end in -microsoft-standard-WSL2)", release,
            "use a release such as 6.6.87.2-microsoft-standard-WSL2, or profile \"custom\"");
    return r.substr(0, r.size() - suffix.size());
}

util::Result<WslProfile> wsl_profile(const Windows& windows, const std::string& release) {
    WslProfile p;
    auto tools = windows.tools();
    std::string installed;
    if (tools) {
        auto kernel = *tools / "kernel";
        if (fs::exists(kernel)) {
            auto bytes = WSLMOD_TRY(util::read_bytes(kernel));
            auto image = WSLMOD_TRY(kernel::parse_kernel_image(bytes, kernel.string()));
            installed = image.release;
            // Windows on Arm: an arm64 Image, whose config is the tag's config-wsl-arm64.
            if (image.arch == kernel::Arch::arm64)
                p.config = "source:arch/arm64/configs/config-wsl-arm64";
            p.stock_kernel = kernel;
            p.stock_modules = *tools / "modules.vhd";
        }
    }
    if (!release.empty() && release != installed) {
        p.stock_kernel.clear();
        p.stock_modules.clear();
        p.release = release;
    } else if (installed.empty()) {
        if (!tools) return tl::unexpected(tools.error());
        return util::bad_input(
            "WSL's stock kernel is not here", (*tools / "kernel").string(),
            "set WSLMOD_WSL_TOOLS to WSL's tools folder, or name stock-kernel and stock-modules "
            "in wslmod.toml");
    } else {
        p.release = installed;
    }
    // A kernel that is not WSL's (a test stand-in, a custom build) has no tag: its source and
    // config must then be named in wslmod.toml.
    if (auto v = wsl_version_of(p.release)) {
        p.version = *v;
        p.source_url = source_url(p.version);
    }
    return p;
}

} // namespace wslmod::wsl
