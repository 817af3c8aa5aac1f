#include "verify/boot.h"

#include <fstream>
#include <random>
#include <unistd.h>

#include <fmt/format.h>

#include "modules/kmod_context.h"
#include "util/atomic_file.h"
#include "util/decompress.h"
#include "util/file.h"
#include "util/process.h"
#include "util/sha256.h"
#include "verify/boot_kernel.h"
#include "verify/initramfs.h"

namespace wslmod::verify {
namespace {

std::string fresh_nonce() {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
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
  # The boot modules are stored decompressed, so busybox's own insmod (one static binary, no
  # libraries to map) loads them: under TCG that is a second less than kmod's.
  for m in $(cat /boot-modules/order); do /bin/busybox insmod /boot-modules/$m; done
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
[ ! -f /cmds/batch ] || { sh /cmds/batch >/tmp/batch.out 2>&1; echo $? >/tmp/batch.rc; }
i=0
while [ -f /cmds/$i ]; do
  if [ -f /cmds/skip.$i ] && . /cmds/skip.$i; then : >/tmp/out.$i; echo 0 >/tmp/rc.$i
  else sh /cmds/$i >/tmp/out.$i 2>&1; echo $? >/tmp/rc.$i; fi
  i=$((i+1))
done
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
    std::string out = timed_out     ? "boot timed out"
                      : report.done ? "boot completed"
                                    : "boot did not complete";
    if (report.setup && report.setup->exit_code != 0)
        out +=
            fmt::format("; setup failed ({}): {}", report.setup->exit_code, report.setup->output);
    out += "\nqemu: " + qemu_command + "\n--- console tail ---\n" + console_tail(console, 40);
    return out;
}

namespace {

// The part of the initramfs that does not change between boots: busybox, kmod and its
// libraries, the boot modules and their order.
util::Result<std::vector<std::byte>> base_archive(const BootSpec& spec,
                                                  util::CommandRunner& runner) {
    Initramfs ramfs;
    for (auto dir : {"/proc", "/sys", "/dev", "/tmp", "/modules", "/sbin", "/bin", "/lib/modules"})
        ramfs.add_directory(dir);
    ramfs.add_char_device("/dev/console", 5, 1);
    if (!std::filesystem::exists("/bin/busybox"))
        return util::fail("busybox is not here", "/bin/busybox", "install busybox-static");
    WSLMOD_CHECK(ramfs.add_host_file("/bin/busybox", "/bin/busybox"));
    auto kmod = util::find_program("kmod");
    if (!kmod) return util::fail("kmod not found", "PATH", "install kmod");
    WSLMOD_CHECK(ramfs.add_dynamic_binary("/sbin/kmod", *kmod, runner));
    for (auto tool : {"modprobe", "insmod", "rmmod", "lsmod", "modinfo", "depmod"})
        ramfs.add_symlink(std::string("/sbin/") + tool, "kmod");

    // Stored decompressed (busybox's insmod reads plain ELF only), as NN-<name>.ko.
    std::string order_list;
    auto add_module = [&](size_t i, const std::string& file,
                          std::string_view data) -> util::Result<void> {
        auto plain = WSLMOD_TRY(util::plain_bytes(data, file));
        auto name = fmt::format("{:02}-{}.ko", i, file.substr(0, file.find(".ko")));
        ramfs.add_file("/boot-modules/" + name,
                       std::string(reinterpret_cast<const char*>(plain.data()), plain.size()),
                       0644);
        order_list += name + "\n";
        return {};
    };
    if (!spec.boot_module_files.empty()) {
        for (size_t i = 0; i < spec.boot_module_files.size(); ++i)
            WSLMOD_CHECK(
                add_module(i, spec.boot_module_files[i].file, spec.boot_module_files[i].data));
    } else if (!spec.boot_modules_tree.empty()) {
        auto ctx = WSLMOD_TRY(modules::KmodContext::open(spec.boot_modules_tree));
        auto order = WSLMOD_TRY(ctx.load_order(spec.boot_modules));
        for (size_t i = 0; i < order.size(); ++i) {
            auto bytes = WSLMOD_TRY(util::read_text_decompressed(order[i].path));
            WSLMOD_CHECK(add_module(i, order[i].path.filename().string(), bytes));
        }
    }
    ramfs.add_file("/boot-modules/order", order_list);
    return ramfs.build();
}

// What the base archive is made of, for its cache key: the host tools by identity (path, size,
// mtime) and the boot modules by content.
std::string base_key(const BootSpec& spec) {
    util::Sha256 h;
    h.update("wslmod-initramfs-2"); // 2: boot modules decompressed
    for (const char* tool : {"/bin/busybox", "kmod"}) {
        auto p = util::find_program(tool).value_or(tool);
        std::error_code ec;
        auto size = std::filesystem::file_size(p, ec);
        auto mtime = std::filesystem::last_write_time(p, ec).time_since_epoch().count();
        h.update(fmt::format("|{}|{}|{}", p.string(), size, mtime));
    }
    for (const auto& m : spec.boot_module_files)
        h.update("|" + m.file + "|").update(m.data);
    h.update("|tree:" + spec.boot_modules_tree.string());
    for (const auto& m : spec.boot_modules)
        h.update("|" + m);
    return util::to_hex(h.finish()).substr(0, 32);
}

util::Result<std::pair<std::vector<std::byte>, bool>> cached_base(const BootSpec& spec,
                                                                  util::CommandRunner& runner) {
    // A tree's files can change under the same path, so only file-given modules are cached.
    if (spec.cache.empty() || !spec.boot_modules_tree.empty())
        return std::pair{WSLMOD_TRY(base_archive(spec, runner)), false};
    auto path = spec.cache / "verify" / ("initramfs-" + base_key(spec) + ".cpio");
    if (auto bytes = util::read_bytes(path)) return std::pair{std::move(*bytes), true};
    auto bytes = WSLMOD_TRY(base_archive(spec, runner));
    std::filesystem::create_directories(path.parent_path());
    WSLMOD_CHECK(util::write_file_atomically(
        path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
    return std::pair{std::move(bytes), false};
}

// cryptomgr.notests skips the crypto self-tests run as each algorithm registers (about a second
// under TCG); they test the implementations, and no module's loading depends on them.
constexpr const char* kernel_command_line =
    "console=ttyS0 panic=-1 rdinit=/init quiet loglevel=1 cryptomgr.notests";

std::vector<std::string> qemu_argv(const BootSpec& spec, const std::filesystem::path& initrd,
                                   bool kvm) {
    std::vector<std::string> argv = {"qemu-system-x86_64",
                                     "-accel",
                                     kvm ? "kvm" : "tcg",
                                     "-m",
                                     "512",
                                     "-smp",
                                     "1",
                                     "-nodefaults",
                                     "-no-user-config",
                                     "-display",
                                     "none",
                                     "-serial",
                                     "stdio",
                                     "-no-reboot",
                                     "-kernel",
                                     spec.kernel.string(),
                                     "-initrd",
                                     initrd.string(),
                                     "-append",
                                     kernel_command_line};
    if (kvm) argv.insert(argv.end(), {"-cpu", "host"});
    if (spec.disk) {
        argv.insert(argv.end(), {"-device", "virtio-scsi-pci,id=scsi0", "-drive",
                                 fmt::format("file={},format={},if=none,id=modules,readonly=on",
                                             spec.disk->string(), spec.disk_format),
                                 "-device", "scsi-hd,drive=modules,bus=scsi0.0,lun=0"});
    }
    return argv;
}

// The per-boot archive: /init with a fresh nonce, and the commands.
util::Result<std::vector<std::byte>> boot_archive(const BootSpec& spec, const std::string& nonce) {
    Initramfs ramfs;
    // busybox's shell runs its own applets ahead of PATH; the guest must use kmod's tools, as
    // WSL's /sbin/modprobe does, so each command starts with functions that call kmod.
    const std::string prelude = "for t in modprobe insmod rmmod lsmod modinfo depmod; do "
                                "eval \"$t() { /sbin/$t \\\"\\$@\\\"; }\"; done\n";
    const auto& commands = spec.commands;
    for (size_t i = 0; i < commands.size(); ++i) {
        ramfs.add_file(fmt::format("/cmds/{}", i), prelude + commands[i] + "\n");
        if (i < spec.skip_if.size() && !spec.skip_if[i].empty())
            ramfs.add_file(fmt::format("/cmds/skip.{}", i), spec.skip_if[i] + "\n");
    }
    if (!spec.batch.empty()) ramfs.add_file("/cmds/batch", prelude + spec.batch + "\n");
    ramfs.add_file("/init", init_script(commands.size(), nonce, spec.disk.has_value()), 0755);
    return ramfs.build();
}

util::Result<void> write_initrd(const std::filesystem::path& path,
                                const std::vector<std::byte>& base,
                                const std::vector<std::byte>& per_boot) {
    WSLMOD_CHECK(util::write_file(
        path, std::string_view(reinterpret_cast<const char*>(base.data()), base.size())));
    return util::append_file(
        path, std::string_view(reinterpret_cast<const char*>(per_boot.data()), per_boot.size()));
}

std::string boot_id() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id.empty() ? "unknown" : id;
}

// Whether KVM really runs a guest here: a bounded boot with no disk and no commands.
bool kvm_works(const BootSpec& spec, const std::vector<std::byte>& base,
               util::CommandRunner& runner) {
    if (::access("/dev/kvm", R_OK | W_OK) != 0) return false;
    std::filesystem::path verdict;
    if (!spec.cache.empty()) {
        verdict = spec.cache / "verify" / ("kvm-" + boot_id());
        std::ifstream in(verdict);
        std::string v;
        if (std::getline(in, v)) return v == "works";
    }
    auto nonce = fresh_nonce();
    auto probe = spec.workdir / "kvm-probe.cpio";
    auto per_boot = boot_archive(BootSpec{}, nonce);
    bool works = false;
    if (per_boot && write_initrd(probe, base, *per_boot)) {
        BootSpec bare = spec;
        bare.disk.reset();
        auto run = runner.run(util::Command(qemu_argv(bare, probe, true))
                                  .in(spec.workdir)
                                  .with_timeout(std::chrono::seconds(20)));
        works = run && !run->timed_out && parse_console(run->output, nonce).done;
    }
    if (!verdict.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(verdict.parent_path(), ec);
        (void)util::write_file_atomically(verdict, works ? "works\n" : "hangs or fails\n");
    }
    return works;
}

} // namespace

util::Result<BootResult> boot(const BootSpec& spec, util::CommandRunner& runner) {
    std::filesystem::create_directories(spec.workdir);
    BootResult result;
    util::Stopwatch watch(result.timings);
    auto [base, cached] = WSLMOD_TRY(cached_base(spec, runner));
    result.initramfs_cached = cached;
    auto nonce = fresh_nonce();
    auto initrd = spec.workdir / "initramfs.cpio";
    WSLMOD_CHECK(write_initrd(initrd, base, WSLMOD_TRY(boot_archive(spec, nonce))));
    watch.lap("initramfs");

    // QEMU starts the stock kernel's own vmlinux where it can (boot_kernel.h).
    BootSpec run_spec = spec;
    auto kernel =
        boot_kernel(spec.kernel, spec.cache.empty() ? spec.workdir : spec.cache / "verify");
    run_spec.kernel = kernel.path;
    result.entry = kernel.entry;
    watch.lap("kernel");

    auto accel = spec.accel;
    if (const char* kvm = getenv("WSLMOD_QEMU_KVM"); kvm && *kvm)
        accel = std::string(kvm) == "1" ? Accel::kvm : Accel::tcg;
    bool use_kvm =
        accel == Accel::kvm || (accel == Accel::automatic && kvm_works(run_spec, base, runner));
    result.accel = use_kvm ? "kvm" : "tcg";
    watch.lap("kvm probe");

    auto argv = qemu_argv(run_spec, initrd, use_kvm);
    result.qemu_command = util::shell_quote(argv);
    auto started = std::chrono::steady_clock::now();
    auto run =
        WSLMOD_TRY(runner.run(util::Command(argv).in(spec.workdir).with_timeout(spec.timeout)));
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    watch.lap("boot");
    result.console = std::move(run.output);
    result.timed_out = run.timed_out;
    result.report = parse_console(result.console, nonce);
    // The console is kept for the user to read; failing to keep it does not change the verdict.
    if (auto kept = util::write_file(spec.workdir / "console.log", result.console); !kept)
        result.console += "\n[wslmod: could not keep this console in " + kept.error().where + "]\n";
    return result;
}

} // namespace wslmod::verify
