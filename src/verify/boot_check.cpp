#include "verify/boot_check.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "image/disk_image.h"
#include "kernel/bzimage.h"
#include "kernel/modinfo.h"
#include "modules/assemble.h"
#include "util/file.h"
#include "verify/boot_modules.h"

namespace wslmod::verify {
namespace fs = std::filesystem;

bool CheckReport::ok() const {
    for (const auto& m : modules)
        if (!m.loaded) return false;
    return true;
}

util::Result<std::vector<std::string>> recorded_added(image::FileSource& image) {
    if (!image.exists(modules::added_record_name))
        return util::bad_input(fmt::format("the image has no {} record of the modules it adds",
                                           modules::added_record_name),
                               image.describe(),
                               "name the modules with --modules, or build the image with wslmod");
    auto text = WSLMOD_TRY(image.read(modules::added_record_name));
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        out.push_back(line.substr(0, line.find(' ')));
    }
    return out;
}

util::Result<CheckReport> check_boot(const CheckSpec& spec, util::CommandRunner& runner) {
    // Names go into the guest's shell: nothing but a module name's characters.
    for (const auto& m : spec.modules)
        if (m.empty() || m.find_first_not_of(
                             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                             std::string::npos)
            return util::bad_input("not a module name", m,
                                   "module names are letters, digits, '_' and '-'");
    if (!util::find_program("qemu-system-x86_64"))
        return util::fail("cannot boot the image: qemu-system-x86_64 is not here",
                          "qemu-system-x86_64",
                          "apt install qemu-system-x86, or skip the check with --no-verify");
    CheckReport report;
    util::Stopwatch watch(report.timings);
    auto src = WSLMOD_TRY(image::open_file_source(spec.image));
    report.release = WSLMOD_TRY(kernel::modules_release(*src));
    auto kernel_bytes = WSLMOD_TRY(util::read_bytes(spec.kernel));
    auto header = WSLMOD_TRY(kernel::parse_bzimage(kernel_bytes, spec.kernel.string()));
    if (header.release != report.release)
        return util::bad_input(
            fmt::format("the image is for {} but the kernel is {}: no module of it could load",
                        report.release, header.release),
            spec.kernel.string(), "boot the stock kernel the image was built for (--kernel)");

    BootSpec boot;
    boot.kernel = spec.kernel;
    boot.disk = spec.image;
    auto disk = WSLMOD_TRY(image::open_disk_image(spec.image));
    boot.disk_format = disk.format == image::DiskFormat::vhdx  ? "vhdx"
                       : disk.format == image::DiskFormat::vhd ? "vpc"
                                                               : "raw";
    std::string builtin =
        src->exists("modules.builtin") ? WSLMOD_TRY(src->read("modules.builtin")) : std::string();
    auto plan = plan_boot_modules(WSLMOD_TRY(src->read("modules.dep")), builtin, boot.boot_modules);
    boot.boot_module_files = WSLMOD_TRY(read_boot_modules(*src, plan));
    for (const auto& f : boot.boot_module_files)
        report.boot_modules.push_back(f.file);
    // One `modprobe -a` for them all, in the listed order (under TCG each kmod process costs
    // about 80 ms), so that each module is tried with exactly the modules before it loaded, as
    // one `modprobe` each would.  A module that is live after it is loaded.  Any other gets its
    // own command, for its own exit code and message:
    //   - left "coming" (its init crashed and killed the batch): failed, without a modprobe
    //     that would wait on it until the boot timed out;
    //   - a modprobe that fails: failed, in the kernel's words, as before;
    //   - a modprobe that succeeds although the batch, which ran to its end, could not load it:
    //     failed too, since it loads only after modules listed after it (a dependency that
    //     modules.dep lacks), with the batch's lines about it.
    boot.batch = "modprobe -a";
    for (const auto& m : spec.modules) {
        auto name = m;
        std::replace(name.begin(), name.end(), '-', '_');
        const auto state = "/sys/module/" + name + "/initstate";
        boot.skip_if.push_back(fmt::format("[ \"$(cat {} 2>/dev/null)\" = live ]", state));
        boot.commands.push_back(fmt::format(
            "if [ -e {0} ]; then echo \"wslmod: the init of {1} did not finish when modprobe -a "
            "loaded it: it crashed or hangs; the kernel's lines are in dmesg\"; exit 1; fi\n"
            "modprobe {2}; rc=$?\n"
            "if [ $rc -eq 0 ] && [ \"$(cat /tmp/batch.rc)\" -lt 128 ]; then\n"
            "  echo \"wslmod: {2} did not load after the modules listed before it, only after "
            "those listed after it: a dependency that modules.dep lacks. modprobe -a said:\"\n"
            "  grep -e '{2}' -e '{1}' /tmp/batch.out; exit 1\n"
            "fi\n"
            "exit $rc",
            state, name, m));
        boot.batch += " " + m;
    }
    boot.timeout = spec.timeout;
    boot.workdir = spec.workdir;
    boot.cache = spec.cache;
    boot.accel = spec.accel;
    watch.lap("image");
    auto result = WSLMOD_TRY(verify::boot(boot, runner));
    report.timings.insert(report.timings.end(), result.timings.begin(), result.timings.end());
    report.seconds = result.seconds;
    report.accel = result.accel;
    report.entry = result.entry;
    report.initramfs_cached = result.initramfs_cached;
    if (result.timed_out)
        return util::fail(fmt::format("the guest did not finish within {} s", spec.timeout.count()),
                          spec.kernel.string(),
                          "a slow machine: pass a longer --timeout; the console is in " +
                              (spec.workdir / "console.log").string());
    if (!result.ok()) {
        std::string why =
            result.report.setup ? result.report.setup->output : console_tail(result.console, 15);
        return util::fail("the stock kernel could not mount the image the WSL way: " + why,
                          spec.image.string(),
                          "the console is in " + (spec.workdir / "console.log").string());
    }
    for (size_t i = 0; i < spec.modules.size(); ++i) {
        const auto& c = result.report.commands.at(i);
        report.modules.push_back(
            classify(spec.modules[i], c.exit_code, c.output, result.report.dmesg));
    }
    return report;
}

} // namespace wslmod::verify
