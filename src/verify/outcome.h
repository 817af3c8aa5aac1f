// What became of one `modprobe` in the guest: loaded, or why not, in the kernel's own words and
// with a hint that names the likely cause.  The kernel's messages (dmesg) say more than
// modprobe's exit status, and each failure has its own line:
//   "<mod>: disagrees about version of symbol <sym>"   a CRC differs: the module was built against
//                                                     another Module.symvers than the kernel's
//   "<mod>: version magic '<a>' should be '<b>'"      built for another release or config
//   "<mod>: Unknown symbol <sym> (err -2)"            a symbol nothing loaded exports: a module
//                                                     it needs is missing from the image
//   modprobe "FATAL: Module <mod> not found"          not in the image (or not in modules.dep)
//   modprobe "Invalid module format" / "Exec format error" with none of the above: a damaged file
//   modprobe "Key was rejected by service"           a kernel that enforces signatures (not WSL's)
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wslmod::verify {

struct ModuleOutcome {
    std::string module;
    bool loaded = false;
    std::string reason; // empty when loaded: "symbol CRC mismatch", "vermagic mismatch", ...
    std::string symbol; // the symbol the kernel named, when it named one
    std::string output; // what modprobe printed
    std::vector<std::string> dmesg; // the kernel's lines about the module
    std::string hint;               // what to do about it
};

// Classifies one module's result from modprobe's exit code and output and the guest's whole dmesg.
ModuleOutcome classify(const std::string& module, int exit_code, std::string_view output,
                       std::string_view dmesg);

} // namespace wslmod::verify
