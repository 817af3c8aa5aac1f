// A stock kernel image of either architecture wslmod builds for, told apart by its header: an
// x86 bzImage ("HdrS" at 0x202, bzimage.h) or an arm64 Image ("ARM\x64" at 0x38,
// arm64_image.h).  Callers that need only the release and the architecture use this.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "kernel/config.h"
#include "util/error.h"

namespace wslmod::kernel {

enum class Arch { x86_64, arm64 };

// "x86_64" / "arm64": what `wslmod kernel info` prints.
const char* arch_name(Arch arch);
// Kbuild's ARCH= for it: "x86" / "arm64".
const char* kbuild_arch(Arch arch);

struct KernelImage {
    Arch arch = Arch::x86_64;
    std::string format;         // "bzImage" or "Image"
    std::string release;        // what `uname -r` prints
    std::string version_string; // the whole banner after "Linux version "
};

util::Result<KernelImage> parse_kernel_image(std::span<const std::byte> image,
                                             std::string_view origin);

// The architecture a config is for (CONFIG_ARM64, CONFIG_X86_64), or none.
std::optional<Arch> config_arch(const KernelConfig& config);

// An input error, naming `where` (the image), when `config` is for another architecture than
// `image`; a config that names neither passes.
util::Result<void> check_arch(const KernelConfig& config, const KernelImage& image,
                              const std::string& where);

} // namespace wslmod::kernel
