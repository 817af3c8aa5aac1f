// A module's .modinfo section: NUL-separated "key=value" strings ("vermagic=6.12.117+deb12-amd64
// SMP preempt mod_unload modversions ", "depends=usbcore", ...).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "util/error.h"

namespace wslmod::image {
class FileSource;
}

namespace wslmod::kernel {

// The value of `key` in the .modinfo of a module (an ELF file, decompressed), or nullopt when the
// key is absent.
util::Result<std::optional<std::string>>
modinfo_value(std::span<const std::byte> elf, const std::string& key, const std::string& origin);

// The release a vermagic string was built for: its first word.
std::string vermagic_release(const std::string& vermagic);

// The release a modules tree (folder or image) was built for: the vermagic of the first module
// that modules.dep names.
util::Result<std::string> modules_release(image::FileSource& modules);

} // namespace wslmod::kernel
