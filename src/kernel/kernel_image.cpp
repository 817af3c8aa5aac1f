#include "kernel/kernel_image.h"

#include <fmt/format.h>

#include "kernel/arm64_image.h"
#include "kernel/bzimage.h"

namespace wslmod::kernel {

const char* arch_name(Arch arch) {
    return arch == Arch::arm64 ? "arm64" : "x86_64";
}

const char* kbuild_arch(Arch arch) {
    return arch == Arch::arm64 ? "arm64" : "x86";
}

util::Result<KernelImage> parse_kernel_image(std::span<const std::byte> image,
                                             std::string_view origin) {
    if (is_arm64_image(image)) {
        auto h = WSLMOD_TRY(parse_arm64_image(image, origin));
        return KernelImage{Arch::arm64, "Image", h.release, h.version_string};
    }
    auto h = WSLMOD_TRY(parse_bzimage(image, origin));
    return KernelImage{Arch::x86_64, "bzImage", h.release, h.version_string};
}

std::optional<Arch> config_arch(const KernelConfig& config) {
    if (config.builtin("ARM64")) return Arch::arm64;
    if (config.builtin("X86_64")) return Arch::x86_64;
    return std::nullopt;
}

util::Result<void> check_arch(const KernelConfig& config, const KernelImage& image,
                              const std::string& where) {
    auto arch = config_arch(config);
    if (!arch || *arch == image.arch) return {};
    return util::bad_input(fmt::format("the config is for {} but the kernel image is an {} {}",
                                       arch_name(*arch), arch_name(image.arch), image.format),
                           where, "pass the config and the image of one kernel");
}

} // namespace wslmod::kernel
