// `wslmod verify --boot`: proof that an image's modules load in the stock kernel, before the
// image goes anywhere near .wslconfig.  The stock kernel boots under QEMU with the image
// attached as WSL attaches it (virtio-scsi, read-only), the guest mounts it as WSL's init does
// (ext4 at /modules, overlay at /lib/modules/$(uname -r)), and each module is `modprobe`d; the
// kernel's own verdict on each comes back (outcome.h).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "image/file_source.h"
#include "util/error.h"
#include "util/process.h"
#include "verify/boot.h"
#include "verify/outcome.h"

namespace wslmod::verify {

struct CheckSpec {
    std::filesystem::path image, kernel; // kernel: the stock bzImage the image is for
    std::vector<std::string> modules;    // what to modprobe, in order
    std::filesystem::path cache, workdir;
    std::chrono::seconds timeout{150};
    Accel accel = Accel::automatic;
};

struct CheckReport {
    std::string release;
    std::vector<ModuleOutcome> modules;
    std::vector<std::string> boot_modules; // loaded from the image before the mount
    double seconds = 0;                    // the boot's wall time
    util::Timings timings;                 // image, initramfs, kernel, kvm probe, boot
    std::string accel;
    std::string entry; // how QEMU entered the kernel: "pvh" or "bzImage" (boot_kernel.h)
    bool initramfs_cached = false;
    bool ok() const;
};

util::Result<CheckReport> check_boot(const CheckSpec& spec, util::CommandRunner& runner);

// The modules `image` adds over the stock ones, as its wslmod.added record lists them (kernel
// names); an error when it has none (an image wslmod did not build, or with no added modules).
util::Result<std::vector<std::string>> recorded_added(image::FileSource& image);

} // namespace wslmod::verify
