#include "kernel/kernel_image.h"

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

} // namespace wslmod::kernel
