// The QEMU boot: boots a kernel with a modules disk image attached the way WSL attaches it, runs
// commands in the guest, and returns their exit codes and outputs.  `wslmod verify --boot` and
// the e2e tests both use it.
//
// The guest's initramfs (built here, from busybox-static and the host's kmod, so no binary is
// ever shipped) loads the modules the kernel needs to see a virtio-scsi disk and read ext4 and
// overlayfs (given as files, or taken from `boot_modules_tree`; none when the kernel builds
// them in, as WSL's does; stored decompressed and loaded by busybox's insmod, since they are
// the harness, not what is checked), then mounts the disk
// as WSL's init does: ext4 read-only at /modules, a tmpfs at /lib/modules/$(uname -r)/rw, and an
// overlay at /lib/modules/$(uname -r) with /modules below and rw/upper on top.  Results travel
// over the serial console (see console.h); QEMU's exit code is never trusted.
//
// The initramfs is two newc archives back to back (the kernel unpacks each in turn): the part
// that depends only on the host's tools and the boot modules, cached in <cache>/verify/ by a
// key of their identities, and a small per-boot part with /init (its nonce) and the commands.
//
// QEMU is given the bzImage's own vmlinux when it has a PVH entry (boot_kernel.h), and the
// command line skips the crypto self-tests (cryptomgr.notests): together about two seconds of a
// TCG boot, with no change to what loads.
//
// Acceleration: software emulation (TCG) unless KVM really works.  /dev/kvm can exist and still
// hang a guest (nested virtualisation on some clouds), so KVM is used only after a bounded probe
// boot with it completed; the probe's verdict is cached per host boot (boot_id).
// WSLMOD_QEMU_KVM=1 forces KVM, =0 forces TCG.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"
#include "util/process.h"
#include "util/timings.h"
#include "verify/console.h"

namespace wslmod::verify {

// A boot module given as bytes (e.g. read from the image being verified); `file` is its name in
// the guest, with the extension that says how it is compressed.
struct BootModuleFile {
    std::string file;
    std::string data;
};

enum class Accel { automatic, tcg, kvm };

struct BootSpec {
    std::filesystem::path kernel;              // bzImage
    std::optional<std::filesystem::path> disk; // modules image (VHDX, VHD or raw); none: no disk
    std::string disk_format = "vhdx";          // QEMU block driver for `disk`
    std::filesystem::path boot_modules_tree;   // tree with depmod indexes; empty: all built in
    std::vector<BootModuleFile> boot_module_files; // used instead of the tree when not empty
    // What the guest needs before the mount: the disk (virtio_pci is its transport, which no
    // module depends on, and a module in Debian's cloud flavour), ext4 (and the crc32c it asks
    // for at mount time, when no modprobe can run yet) and overlayfs.  Built-in ones are skipped.
    std::vector<std::string> boot_modules = {"virtio_pci",     "virtio_scsi", "sd_mod",
                                             "crc32c_generic", "ext4",        "overlay"};
    std::vector<std::string> commands; // each run by `sh` in the guest, in order
    // Run once in the guest after the mount, before the commands (its output in /tmp/batch.out,
    // its exit code in /tmp/batch.rc, for the commands to read); command i is then skipped
    // (reported with exit code 0 and no output) when skip_if[i], a shell test, holds there.
    // The boot check loads every module in one `modprobe -a` and runs its own command only for
    // those that are not live after it (boot_check.cpp says how each is judged).
    std::string batch;
    std::vector<std::string> skip_if;
    std::chrono::seconds timeout{180}; // the whole boot, killed after it
    std::filesystem::path workdir;     // initramfs and console log go here
    std::filesystem::path cache;       // where the initramfs base and the KVM verdict are
                                       // kept; empty: nothing is cached
    Accel accel = Accel::tcg;
};

struct BootResult {
    ConsoleReport report; // setup, per-command results, dmesg
    bool timed_out = false;
    std::string console; // everything QEMU printed
    std::string qemu_command;
    std::string accel;             // "tcg" or "kvm"
    std::string entry;             // how QEMU entered the kernel: "pvh" or "bzImage"
    bool initramfs_cached = false; // the base part came from the cache
    double seconds = 0;            // QEMU's wall time
    util::Timings timings;         // initramfs, kernel, kvm probe, boot

    // True when the guest ran to the end and the disk was mounted the WSL way.
    bool ok() const { return report.done && report.setup && report.setup->exit_code == 0; }
    // A failure description with the console tail, for test messages.
    std::string describe() const;
};

// Builds the initramfs for `spec` and boots it under qemu-system-x86_64.
util::Result<BootResult> boot(const BootSpec& spec, util::CommandRunner& runner);

// The guest's /init script for `command_count` commands and marker `nonce` (exposed for tests).
std::string init_script(size_t command_count, const std::string& nonce, bool expect_disk);

} // namespace wslmod::verify
