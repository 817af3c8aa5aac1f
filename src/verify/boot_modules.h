// The modules a guest needs before it can mount the image the WSL way, taken from the image
// itself: its modules.dep says where each one is and what it needs, its modules.builtin which
// ones the kernel already has.  WSL's kernel builds virtio-scsi, ext4 and overlayfs in, so for
// it the list is empty; Debian's has them as modules, so they come out of the image (compressed
// as they are stored; the guest's kmod decompresses them).
//
//   modules.dep      "kernel/fs/ext4/ext4.ko.xz: kernel/fs/jbd2/jbd2.ko.xz kernel/fs/mbcache.ko.xz"
//                    (depmod's format: the module, a colon, what it needs, in load order reversed)
//   modules.builtin  one path per line, "kernel/fs/ext4/ext4.ko", for modules built in
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "image/file_source.h"
#include "util/error.h"
#include "verify/boot.h"

namespace wslmod::verify {

struct BootModulePlan {
    std::vector<std::string> paths;   // to load, in order (dependencies first), below the root
    std::vector<std::string> builtin; // wanted names the kernel builds in
    std::vector<std::string> missing; // wanted names neither in modules.dep nor built in
};

// The load order of `wanted` (kernel names, '-' or '_') from modules.dep and modules.builtin
// text; names that are neither are listed as missing (a kernel may build in a module without
// a modules.builtin to say so).
BootModulePlan plan_boot_modules(std::string_view modules_dep, std::string_view modules_builtin,
                                 const std::vector<std::string>& wanted);

// The plan's files read from `image`, named for the guest.
util::Result<std::vector<BootModuleFile>> read_boot_modules(image::FileSource& image,
                                                            const BootModulePlan& plan);

} // namespace wslmod::verify
