// Which modules a guest loads before the WSL-style mount, from the image's own modules.dep and
// modules.builtin: dependencies first, each once, built-in ones skipped, unknown ones listed.
#include "support/catch.h"
#include "verify/boot_modules.h"

using namespace wslmod::verify;

TEST_CASE("boot modules load dependencies first, each once, and skip built-in ones", "[verify]") {
    const char* dep = "kernel/drivers/scsi/virtio_scsi.ko.xz:\n"
                      "kernel/drivers/scsi/sd_mod.ko.xz: kernel/drivers/scsi/scsi_common.ko.xz\n"
                      "kernel/fs/ext4/ext4.ko.xz: kernel/fs/jbd2/jbd2.ko.xz "
                      "kernel/fs/mbcache.ko.xz kernel/lib/crc16.ko.xz\n"
                      "kernel/fs/jbd2/jbd2.ko.xz: kernel/lib/crc16.ko.xz\n"
                      "kernel/lib/crc16.ko.xz:\n"
                      "kernel/fs/mbcache.ko.xz:\n"
                      "kernel/drivers/scsi/scsi_common.ko.xz:\n";
    const char* builtin = "kernel/fs/overlayfs/overlay.ko\nkernel/crypto/crc32c_generic.ko\n";
    auto plan = plan_boot_modules(
        dep, builtin, {"virtio_scsi", "sd-mod", "crc32c_generic", "ext4", "overlay", "nosuch"});
    CHECK(plan.paths ==
          std::vector<std::string>{
              "kernel/drivers/scsi/virtio_scsi.ko.xz", "kernel/drivers/scsi/scsi_common.ko.xz",
              "kernel/drivers/scsi/sd_mod.ko.xz", "kernel/lib/crc16.ko.xz",
              "kernel/fs/mbcache.ko.xz", "kernel/fs/jbd2/jbd2.ko.xz", "kernel/fs/ext4/ext4.ko.xz"});
    CHECK(plan.builtin == std::vector<std::string>{"crc32c_generic", "overlay"});
    CHECK(plan.missing == std::vector<std::string>{"nosuch"});
}

TEST_CASE("a kernel that builds everything in needs no boot modules (as WSL's)", "[verify]") {
    auto plan =
        plan_boot_modules("kernel/drivers/usb/serial/ch341.ko:\n",
                          "kernel/drivers/scsi/virtio_scsi.ko\nkernel/drivers/scsi/sd_mod.ko\n"
                          "kernel/fs/ext4/ext4.ko\nkernel/fs/overlayfs/overlay.ko\n",
                          {"virtio_scsi", "sd_mod", "ext4", "overlay"});
    CHECK(plan.paths.empty());
    CHECK(plan.builtin.size() == 4);
}
