// Installing a modules image for WSL, with generations to roll back to.  All of it happens on
// the Windows side, through Linux paths (windows.h finds them):
//
//   %USERPROFILE%\.wslconfig            [wsl2] kernel= and kernelModules= (and loadKernelModules=
//                                       when asked); every other byte is kept (wslconfig.h)
//   %LOCALAPPDATA%\wslmod\              the install root
//     state.json                        what is installed (fields below), written atomically
//     original.wslconfig                .wslconfig as it was before the first install, or
//     original.absent                   a mark that there was none
//     <release>\<id>\                   one generation: never written again once published
//       kernel                          a copy of the stock kernel (WSL counts a kernel= that
//                                       names a copy of tools\kernel as custom, and it accepts
//                                       kernelModules= only with a custom kernel)
//       modules.vhdx                    the image
//       wslconfig.before                .wslconfig just before this generation was applied
//       (wslconfig.before-absent)       (or a mark that there was none)
//
// A new generation goes into a new folder, so the image a running WSL holds open is never
// overwritten: Windows would refuse, and a half-copied image would stop every distro.
//
// state.json (format "wslmod-install-1"):
//   generations[]     oldest first: id, release, dir (relative to the root), image_sha256,
//                     kernel_sha256, kernel and modules (the Windows paths written to
//                     .wslconfig), wslconfig_sha256 (of the .wslconfig this install wrote),
//                     applied (false until .wslconfig names it), installed_at (UTC), project
//                     (the Linux path of the project folder the image was built in, when it
//                     was; `wslmod upgrade` run elsewhere rebuilds that project)
//   bad[]             images rolled back from: image_sha256, release, generation, at.  Installing
//                     one of them again needs --force (WSL marks its own kernel.rollback alike)
//   next_id
//
// The write order makes every crash leave the old state or the new:
//   install    copy into <id>.partial/ -> read .wslconfig (late, so edits made during the copy
//              are kept) -> save the original (first time only, while state.json does not
//              exist) -> rename to <id>/ -> state.json lists it (applied: false) -> .wslconfig
//              renamed into place (the switch) -> state.json marks it applied and forgets the
//              generations it no longer keeps -> their folders removed
//   rollback   the image marked bad in state.json -> .wslconfig switched -> state.json forgets
//              the generation -> its folder removed
//   uninstall  .wslconfig restored -> state.json removed -> everything else removed (a root
//              without state.json is leftovers, which the next uninstall removes)
// Which generation is current is read from .wslconfig itself (kernelModules= names its image),
// so state.json can never disagree with what WSL will boot.  Every run first recovers: it
// removes *.partial folders and temporaries, marks the current generation applied, and forgets
// any generation listed after the current one (rolled back from, or never switched to) and any
// marked bad.  Kept: the current generation and the one its .wslconfig.before names (where
// rollback goes).  A lock file (.lock, O_EXCL) keeps two runs (two distros share one Windows
// profile) from sweeping each other's work; a lock whose process is gone, or older than an
// hour, is taken over.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::wsl {

class Windows;

struct Target {
    std::filesystem::path wslconfig; // Linux path of %USERPROFILE%\.wslconfig
    std::filesystem::path root;      // Linux path of the install root
    // The Windows path of a Linux path below the root (for .wslconfig).
    std::function<util::Result<std::string>(const std::filesystem::path&)> windows_path;
};

// Where wslmod installs on `windows`' side: its .wslconfig, the install root and the mapping.
// `windows` must outlive the target.
util::Result<Target> install_target(const Windows& windows);

struct Generation {
    int id = 0;
    std::string release, dir, image_sha256, kernel_sha256, kernel, modules, wslconfig_sha256,
        installed_at, project;
    bool applied = false;
};

struct BadImage {
    std::string image_sha256, release, at;
    int generation = 0;
};

struct InstallState {
    bool exists = false; // state.json is there
    std::vector<Generation> generations;
    std::vector<BadImage> bad;
    int next_id = 1;
    std::optional<int> current; // index into generations: the one .wslconfig names
    std::string wslconfig_kernel, wslconfig_modules; // what .wslconfig says now (unescaped)
};

// Reads state.json and .wslconfig without changing anything.
util::Result<InstallState> read_state(const Target& target);

struct InstallRequest {
    std::filesystem::path image, stock_kernel;
    std::string release;
    std::optional<std::string> load_modules; // loadKernelModules=, when asked
    bool force = false;                      // install an image that was rolled back from, or
                                             // replace a kernel= that wslmod did not set
    std::filesystem::path project;           // the project folder, when the image is its output
};

struct InstallReport {
    Generation generation;
    bool unchanged = false;            // the same image and kernel were already current
    std::vector<std::string> pruned;   // generation folders removed
    std::vector<std::string> warnings; // e.g. a folder Windows would not let go of
};

util::Result<InstallReport> install(const Target& target, const InstallRequest& request);

// Whether WSL's tools\kernel is another kernel than generation `g` carries (a WSL update): the
// sentence that says so, or nullopt when it is the same one or cannot be read.
std::optional<std::string> stock_kernel_changed(const Windows& windows, const Generation& g);

struct RollbackReport {
    Generation from;
    std::optional<Generation> to; // none: back to the .wslconfig before the first install
    bool byte_identical = true; // false: .wslconfig was edited since, so only wslmod's keys changed
    std::vector<std::string> warnings;
};

util::Result<RollbackReport> rollback(const Target& target);

struct UninstallReport {
    bool restored_bytes =
        true; // false: .wslconfig was edited since, so only wslmod's keys were restored
    bool original_absent = false;
    int generations_removed = 0;
    bool leftovers = false; // only files of an interrupted uninstall were there
    std::vector<std::string> warnings;
};

util::Result<UninstallReport> uninstall(const Target& target);

} // namespace wslmod::wsl
