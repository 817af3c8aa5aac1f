// The QEMU boot harness: boots a kernel with a modules disk image attached the way WSL attaches
// it, runs commands in the guest, and returns their exit codes and outputs.
//
// The guest's initramfs (built here, from busybox-static and the host's kmod) loads the modules
// the kernel needs to see a virtio-scsi disk and read ext4 and overlayfs (taken from
// `boot_modules_tree`; none when the kernel builds them in, as WSL's does), then mounts the disk
// as WSL's init does: ext4 read-only at /modules, a tmpfs at /lib/modules/$(uname -r)/rw, and an
// overlay at /lib/modules/$(uname -r) with /modules below and rw/upper on top.  Results travel
// over the serial console (see console.h); QEMU's exit code is never trusted.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/console.h"
#include "util/error.h"
#include "util/process.h"

namespace wslmod::harness {

struct BootSpec {
    std::filesystem::path kernel;             // bzImage
    std::optional<std::filesystem::path> disk; // modules image (VHDX, VHD or raw); none: no disk
    std::string disk_format = "vhdx";          // QEMU block driver for `disk`
    std::filesystem::path boot_modules_tree;   // tree with depmod indexes; empty: all built in
    // What the guest needs before the mount: the disk, ext4 (and the crc32c it asks for at
    // mount time, when no modprobe can run yet) and overlayfs.  Built-in ones are skipped.
    std::vector<std::string> boot_modules = {"virtio_scsi", "sd_mod", "crc32c_generic", "ext4",
                                             "overlay"};
    std::vector<std::string> commands;         // each run by `sh` in the guest, in order
    std::chrono::seconds timeout{180};         // the whole boot, killed after it
    std::filesystem::path workdir;             // initramfs and console log go here
};

struct BootResult {
    ConsoleReport report;  // setup, per-command results, dmesg
    bool timed_out = false;
    std::string console;   // everything QEMU printed
    std::string qemu_command;

    // True when the guest ran to the end and the disk was mounted the WSL way.
    bool ok() const { return report.done && report.setup && report.setup->exit_code == 0; }
    // A failure description with the console tail, for test messages.
    std::string describe() const;
};

// Builds the initramfs for `spec` and boots it under qemu-system-x86_64.  Uses software
// emulation (TCG) unless WSLMOD_QEMU_KVM=1: on these machines /dev/kvm exists but KVM hangs.
util::Result<BootResult> boot(const BootSpec& spec, util::CommandRunner& runner);

// The guest's /init script for `command_count` commands and marker `nonce` (exposed for tests).
std::string init_script(size_t command_count, const std::string& nonce, bool expect_disk);

} // namespace wslmod::harness
