#include "harness/boot.h"

#include <fstream>
#include <random>

#include <fmt/format.h>

#include "harness/initramfs.h"
#include "modules/kmod_context.h"
#include "util/process.h"

namespace wslmod::harness {
namespace {

std::string fresh_nonce() {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
}

util::Result<void> write_file(const std::filesystem::path& path, const std::vector<std::byte>& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out) return util::fail("cannot write", path.string());
    return {};
}

} // namespace

std::string init_script(size_t command_count, const std::string& nonce, bool expect_disk) {
    const std::string m = "@@WSLMOD-" + nonce + "-";
    std::string s = R"(#!/bin/busybox sh
export PATH=/sbin:/bin LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
echo 1 >/proc/sys/kernel/printk
setup() {
  set -e
  for m in $(cat /boot-modules/order); do /sbin/insmod /boot-modules/$m; done
)";
    if (expect_disk)
        s += R"(  i=0; while [ ! -b /dev/sda ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
)";
    s += R"(  [ -b /dev/sda ] || { echo "no disk: /dev/sda did not appear"; return 1; }
  # As WSL's init (src/linux/init/main.cpp, UtilMountOverlayFs) does it:
  mount -t ext4 -o ro /dev/sda /modules
  T=/lib/modules/$(uname -r)
  mkdir -p $T/rw
  mount -t tmpfs -o noatime,nosuid,nodev tmpfs $T/rw
  mkdir -p $T/rw/upper $T/rw/work
  mount -t overlay -o noatime,nosuid,nodev,lowerdir=/modules,upperdir=$T/rw/upper,workdir=$T/rw/work overlay $T
}
(setup) >/tmp/setup.out 2>&1; echo $? >/tmp/setup.rc
i=0
while [ -f /cmds/$i ]; do sh /cmds/$i >/tmp/out.$i 2>&1; echo $? >/tmp/rc.$i; i=$((i+1)); done
)";
    s += fmt::format("echo {0}SETUP-BEGIN; cat /tmp/setup.out; printf '\\n{0}SETUP-END %s\\n' "
                     "$(cat /tmp/setup.rc)\n",
                     m);
    s += fmt::format("i=0; while [ $i -lt {1} ]; do echo \"{0}BEGIN $i\"; cat /tmp/out.$i; "
                     "printf '\\n{0}END %s %s\\n' $i $(cat /tmp/rc.$i); i=$((i+1)); done\n",
                     m, command_count);
    s += fmt::format("echo {0}DMESG-BEGIN; dmesg; printf '\\n{0}DMESG-END 0\\n'\n", m);
    s += fmt::format("echo {0}DONE\npoweroff -f\n", m);
    return s;
}

std::string BootResult::describe() const {
    std::string out = timed_out ? "boot timed out" : report.done ? "boot completed" : "boot did not complete";
    if (report.setup && report.setup->exit_code != 0)
        out += fmt::format("; setup failed ({}): {}", report.setup->exit_code, report.setup->output);
    out += "\nqemu: " + qemu_command + "\n--- console tail ---\n" + console_tail(console, 40);
    return out;
}

util::Result<BootResult> boot(const BootSpec& spec, util::CommandRunner& runner) {
    std::filesystem::create_directories(spec.workdir);
    auto nonce = fresh_nonce();

    Initramfs ramfs;
    for (auto dir : {"/proc", "/sys", "/dev", "/tmp", "/modules", "/sbin", "/bin", "/lib/modules"})
        ramfs.add_directory(dir);
    ramfs.add_char_device("/dev/console", 5, 1);
    WSLMOD_CHECK(ramfs.add_host_file("/bin/busybox", "/bin/busybox"));
    auto kmod = util::find_program("kmod");
    if (!kmod) return util::fail("kmod not found", "PATH", "install kmod (scripts/setup)");
    WSLMOD_CHECK(ramfs.add_dynamic_binary("/sbin/kmod", *kmod));
    for (auto tool : {"modprobe", "insmod", "rmmod", "lsmod", "modinfo", "depmod"})
        ramfs.add_symlink(std::string("/sbin/") + tool, "kmod");

    std::vector<modules::ModuleFile> order;
    if (!spec.boot_modules_tree.empty()) {
        auto ctx = WSLMOD_TRY(modules::KmodContext::open(spec.boot_modules_tree));
        order = WSLMOD_TRY(ctx.load_order(spec.boot_modules));
    }
    std::string order_list;
    for (size_t i = 0; i < order.size(); ++i) {
        auto name = fmt::format("{:02}-{}", i, order[i].path.filename().string());
        WSLMOD_CHECK(ramfs.add_host_file("/boot-modules/" + name, order[i].path, 0644));
        order_list += name + "\n";
    }
    ramfs.add_file("/boot-modules/order", order_list);
    // busybox's shell runs its own applets ahead of PATH; the guest must use kmod's tools, as
    // WSL's /sbin/modprobe does, so each command starts with functions that call kmod.
    const std::string prelude =
        "for t in modprobe insmod rmmod lsmod modinfo depmod; do "
        "eval \"$t() { /sbin/$t \\\"\\$@\\\"; }\"; done\n";
    for (size_t i = 0; i < spec.commands.size(); ++i)
        ramfs.add_file(fmt::format("/cmds/{}", i), prelude + spec.commands[i] + "\n");
    ramfs.add_file("/init", init_script(spec.commands.size(), nonce, spec.disk.has_value()), 0755);

    auto initrd = spec.workdir / "initramfs.cpio";
    WSLMOD_CHECK(write_file(initrd, WSLMOD_TRY(ramfs.build())));

    const char* kvm = getenv("WSLMOD_QEMU_KVM");
    std::vector<std::string> argv = {
        "qemu-system-x86_64", "-accel", kvm && std::string(kvm) == "1" ? "kvm" : "tcg",
        "-m", "512", "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none",
        "-serial", "stdio", "-no-reboot",
        "-kernel", spec.kernel.string(), "-initrd", initrd.string(),
        "-append", "console=ttyS0 panic=-1 rdinit=/init quiet loglevel=1"};
    if (spec.disk) {
        argv.insert(argv.end(),
                    {"-device", "virtio-scsi-pci,id=scsi0", "-drive",
                     fmt::format("file={},format={},if=none,id=modules,readonly=on",
                                 spec.disk->string(), spec.disk_format),
                     "-device", "scsi-hd,drive=modules,bus=scsi0.0,lun=0"});
    }
    BootResult result;
    result.qemu_command = util::shell_quote(argv);
    auto run = WSLMOD_TRY(runner.run(util::Command(argv).in(spec.workdir).with_timeout(spec.timeout)));
    result.console = std::move(run.output);
    result.timed_out = run.timed_out;
    result.report = parse_console(result.console, nonce);
    std::ofstream(spec.workdir / "console.log") << result.console;
    return result;
}

} // namespace wslmod::harness
