// `wslmod publish IMAGE --url URL`: the files that hand a built image to Windows machines, filled
// in from templates/publish/ (templates/README.md):
//   <image>.sha256      sha256sum's format
//   wslconfig.snippet   the [wsl2] lines (kernel= and kernelModules=, backslashes doubled)
//   scoop.json          a Scoop manifest whose url is URL and whose hash is the image's SHA-256
// The release is read from the image.  When a wslmod.lock is here (or --lock names one), it must
// describe this very image: publishing an image that is not the locked one is refused.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::project {

struct PublishOptions {
    std::string image, url, homepage = "https://github.com/wslmod/wslmod", out, lock, windows_dir;
};

struct PublishReport {
    std::filesystem::path image;
    std::string release, sha256;
    std::vector<std::filesystem::path> files; // written, in order
};

util::Result<PublishReport> publish_image(const PublishOptions& options);

} // namespace wslmod::project
