#include "project/install.h"

#include <fmt/format.h>

#include "image/disk_image.h"
#include "image/ext4_reader.h"
#include "image/file_source.h"
#include "kernel/kernel_image.h"
#include "kernel/modinfo.h"
#include "project/boot.h"
#include "project/inputs.h"
#include "util/file.h"

namespace wslmod::project {
namespace {
namespace fs = std::filesystem;

// Refuses WSL older than 2.5.1, naming the failure the user would otherwise meet.
util::Result<wsl::WslVersion> check_wsl_version(const wsl::Windows& windows) {
    auto v = WSLMOD_TRY(windows.wsl_version());
    if (!wsl::supports_kernel_modules(v))
        return util::bad_input(fmt::format("WSL {} is older than 2.5.1: it reads kernelModules= as "
                                           "a boolean, so with it set every distro "
                                           "fails to start with \"Invalid boolean value\"",
                                           v.text),
                               windows.options().wsl_exe + " --version",
                               "update WSL (`wsl --update` from PowerShell), then install again");
    return v;
}

// The release an image is for, after checking its structure and its ext4.
util::Result<std::string> checked_image_release(const fs::path& image) {
    auto disk = WSLMOD_TRY(image::open_disk_image(image));
    if (disk.format == image::DiskFormat::raw)
        return util::bad_input("not a VHDX or VHD image", image.string(),
                               "install the modules.vhdx that `wslmod build` wrote");
    auto fs = WSLMOD_TRY(image::Ext4Reader::open(disk.device(), image.string()));
    WSLMOD_TRY(fs->check());
    auto src = WSLMOD_TRY(image::open_file_source(image));
    return kernel::modules_release(*src);
}

util::Result<std::string> kernel_release(const fs::path& kernel) {
    auto bytes = WSLMOD_TRY(util::read_bytes(kernel));
    return WSLMOD_TRY(kernel::parse_kernel_image(bytes, kernel.string())).release;
}

util::Result<fs::path> image_to_install(const fs::path& given) {
    fs::path image = given;
    if (image.empty()) {
        if (!fs::exists(recipe::manifest_name))
            return util::bad_input("no image named and no wslmod.toml here", "IMAGE",
                                   "pass the modules.vhdx, or run in a project folder");
        image = WSLMOD_TRY(recipe::load_manifest(recipe::manifest_name)).output;
    }
    if (!fs::exists(image))
        return util::bad_input("the image does not exist", image.string(),
                               "run `wslmod build` first");
    return image;
}

// The project folder whose output `image` is: the current folder's, when it is.
fs::path project_of(const fs::path& image) {
    if (!fs::exists(recipe::manifest_name)) return {};
    auto m = recipe::load_manifest(recipe::manifest_name);
    std::error_code ec;
    if (!m || !fs::equivalent(m->output, image, ec)) return {};
    return fs::absolute(m->dir).lexically_normal();
}

// Before .wslconfig is touched: do the added modules load in this very kernel?  Without QEMU,
// or without a record of what the image adds, the install goes on and says why once.
util::Result<void> boot_first(InstallOutcome& out, const fs::path& kernel, const fs::path& cache,
                              util::CommandRunner& runner, Reporter& reporter) {
    auto src = WSLMOD_TRY(image::open_file_source(out.image));
    auto added = verify::recorded_added(*src);
    if (!util::find_program("qemu-system-x86_64"))
        out.skipped =
            "qemu-system-x86_64 is not here, so the image was not boot-tested first (apt install "
            "qemu-system-x86; --no-verify silences this)";
    else if (!added)
        out.skipped = added.error().message() + ": not boot-tested";
    if (!out.skipped.empty()) {
        reporter.note(out.skipped);
        return {};
    }
    auto check = WSLMOD_TRY(boot_check_image(out.image, kernel, *added, cache, runner, reporter));
    if (!check.ok()) {
        auto e = check_failure(check, out.image);
        e.hint += "; .wslconfig was not changed (--no-verify installs it anyway)";
        out.failure = e;
    }
    out.checked = std::move(check);
    return {};
}

} // namespace

util::Result<InstallOutcome> install_image(const InstallOptions& o,
                                           const wsl::WindowsOptions& options,
                                           util::CommandRunner& runner, Reporter& reporter) {
    wsl::Windows windows(options, runner);
    auto version = WSLMOD_TRY(check_wsl_version(windows));
    InstallOutcome out;
    out.wsl_version = version.text;
    out.image = WSLMOD_TRY(image_to_install(o.image));
    out.release = WSLMOD_TRY(checked_image_release(out.image));
    fs::path kernel = o.stock_kernel;
    if (kernel.empty()) kernel = WSLMOD_TRY(windows.tools()) / "kernel";
    if (!fs::exists(kernel))
        return util::bad_input(
            "the stock kernel is not there", kernel.string(),
            "pass --stock-kernel, or set WSLMOD_WSL_TOOLS to WSL's tools folder");
    auto kr = WSLMOD_TRY(kernel_release(kernel));
    if (kr != out.release)
        return util::bad_input(
            fmt::format("the image is for {} but the stock kernel is {}", out.release, kr),
            kernel.string(),
            "WSL's kernel changed since the build (a WSL update?): run `wslmod build`, then "
            "install again");
    if (!o.no_verify) WSLMOD_CHECK(boot_first(out, kernel, o.cache, runner, reporter));
    if (out.failure) return out;
    auto target = WSLMOD_TRY(wsl::install_target(windows));
    out.wslconfig = target.wslconfig;
    wsl::InstallRequest req{fs::absolute(out.image), fs::absolute(kernel), out.release,
                            std::nullopt, o.force};
    if (!o.load.empty()) req.load_modules = o.load;
    req.project = project_of(out.image);
    out.installed = WSLMOD_TRY(wsl::install(target, req));
    if (wsl::may_deny_vhds_under_users(version) &&
        out.installed.generation.modules.find("\\Users\\") != std::string::npos)
        out.installed.warnings.push_back(
            fmt::format("WSL {} may refuse a modules image under C:\\Users (HCS/E_ACCESSDENIED, "
                        "microsoft/WSL#40482): if WSL then fails to start, `wsl --update`, or set "
                        "WSLMOD_INSTALL_DIR=C:\\wslmod and install again",
                        version.text));
    return out;
}

} // namespace wslmod::project
