#include "verify/outcome.h"

#include <sstream>

#include "modules/stock.h"

namespace wslmod::verify {
namespace {

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
        s.pop_back();
    return s;
}

// The word after `marker` in `line` ("... symbol module_layout" -> "module_layout").
std::string word_after(const std::string& line, const std::string& marker) {
    auto at = line.find(marker);
    if (at == std::string::npos) return "";
    std::istringstream in(line.substr(at + marker.size()));
    std::string w;
    in >> w;
    return w;
}

} // namespace

ModuleOutcome classify(const std::string& module, int exit_code, std::string_view output,
                       std::string_view dmesg) {
    ModuleOutcome o;
    o.module = module;
    o.output = trim(std::string(output));
    auto name = modules::kernel_name(module);
    std::istringstream lines{std::string(dmesg)};
    for (std::string line; std::getline(lines, line);) {
        line = trim(line);
        // "[    3.141] hello: disagrees ..." : the module's name right before a colon.
        auto at = line.find(name + ": ");
        if (at != std::string::npos && (at == 0 || line[at - 1] == ' ' || line[at - 1] == ']'))
            o.dmesg.push_back(line);
    }
    if (exit_code == 0) {
        o.loaded = true;
        return o;
    }
    auto said = [&](const std::string& what) -> std::string {
        for (const auto& l : o.dmesg)
            if (l.find(what) != std::string::npos) return l;
        return "";
    };
    if (auto l = said("disagrees about version of symbol"); !l.empty()) {
        o.reason = "symbol CRC mismatch";
        o.symbol = word_after(l, "disagrees about version of symbol ");
        o.hint = "the module was built against another Module.symvers than this kernel's: build it "
                 "with wslmod against "
                 "the stock kernel (which recovers Module.symvers from it), not with a hand-made "
                 "or another kernel's "
                 "Module.symvers";
    } else if (auto m = said("version magic"); !m.empty()) {
        o.reason = "vermagic mismatch";
        o.hint = "the module was built for another kernel release or configuration: build it "
                 "against the stock "
                 "kernel's release (`wslmod kernel info` shows it)";
    } else if (auto u = said("Unknown symbol"); !u.empty()) {
        o.reason = "unknown symbol";
        o.symbol = word_after(u, "Unknown symbol ");
        o.hint = "nothing loaded exports " + o.symbol +
                 ": a module it needs is missing from the image; add the recipe "
                 "that provides it";
    } else if (o.output.find("Key was rejected") != std::string::npos) {
        o.reason = "signature rejected";
        o.hint = "this kernel checks module signatures and this one's is missing or broken: WSL's "
                 "stock kernel does "
                 "not sign modules, a distribution kernel may";
    } else if (o.output.find("not found") != std::string::npos) {
        o.reason = "not in the image";
        o.hint = "the image has no module of that name (check `wslmod inspect IMAGE`)";
    } else if (o.output.find("Invalid module format") != std::string::npos ||
               o.output.find("Exec format error") != std::string::npos) {
        o.reason = "invalid module format";
        o.hint = "the file is not a module this kernel can load: rebuild it";
    } else {
        o.reason = "modprobe failed";
        auto first = o.output.substr(0, o.output.find('\n'));
        if (!first.empty()) o.reason += ": " + first;
        o.hint = "see the kernel's messages above";
    }
    return o;
}

} // namespace wslmod::verify
