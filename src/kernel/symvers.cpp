#include "kernel/symvers.h"

#include <algorithm>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "kernel/arm64_image.h"
#include "kernel/bzimage.h"
#include "util/decompress.h"

namespace wslmod::kernel {
namespace {

std::vector<SymversLine> lines_for(const std::vector<Export>& exports, const std::string& module) {
    std::vector<SymversLine> out;
    for (const auto& e : exports)
        out.push_back({e.crc, e.symbol, module, e.ns, e.gpl});
    return out;
}

// "kernel/drivers/usb/serial/usbserial.ko.xz" -> name "usbserial", symvers module
// "drivers/usb/serial/usbserial".
std::string strip_suffix(const std::string& path) {
    auto ko = path.rfind(".ko");
    return ko == std::string::npos ? path : path.substr(0, ko);
}

std::string module_name(const std::string& path) {
    auto base = strip_suffix(path);
    base = base.substr(base.rfind('/') + 1);
    std::replace(base.begin(), base.end(), '-', '_');
    return base;
}

std::string symvers_module(const std::string& path) {
    auto p = strip_suffix(path);
    return p.starts_with("kernel/") ? p.substr(7) : p;
}

util::Result<std::vector<SymversLine>> parse_one(const std::string& path, const std::string& bytes,
                                                 const std::string& origin) {
    auto elf = WSLMOD_TRY(util::plain_bytes(bytes, origin));
    return lines_for(WSLMOD_TRY(module_exports(elf, origin)), symvers_module(path));
}

} // namespace

util::Result<std::vector<SymversLine>> symvers_from_kernel_image(std::span<const std::byte> image,
                                                                 const std::string& origin) {
    if (is_arm64_image(image))
        return lines_for(WSLMOD_TRY(arm64_image_exports(image, origin)), "vmlinux");
    auto elf = WSLMOD_TRY(bzimage_vmlinux(image, origin));
    return lines_for(WSLMOD_TRY(vmlinux_exports(elf, origin + " (vmlinux)")), "vmlinux");
}

util::Result<std::vector<SymversLine>> symvers_from_modules(image::FileSource& src, unsigned jobs) {
    if (!src.exists("modules.dep"))
        return util::bad_input("no modules.dep in the stock modules", src.describe(),
                               "run depmod on it first");
    std::istringstream dep(WSLMOD_TRY(src.read("modules.dep")));
    std::map<std::string, std::string> path_of; // module name -> path
    for (std::string line; std::getline(dep, line);) {
        auto colon = line.find(':');
        if (colon != std::string::npos)
            path_of[module_name(line.substr(0, colon))] = line.substr(0, colon);
    }
    std::set<std::string> wanted;
    if (src.exists("modules.symbols")) {
        // "alias symbol:<name> <module>" lines, after a comment line.
        std::istringstream syms(WSLMOD_TRY(src.read("modules.symbols")));
        for (std::string line; std::getline(syms, line);) {
            std::istringstream words(line);
            std::string alias, sym, mod;
            if (words >> alias >> sym >> mod && alias == "alias" && path_of.count(mod))
                wanted.insert(path_of[mod]);
        }
    } else {
        for (const auto& [name, path] : path_of)
            wanted.insert(path);
    }

    // libext2fs is single-threaded: read every file first, then decompress and parse in parallel.
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& path : wanted)
        files.emplace_back(path, WSLMOD_TRY(src.read(path)));
    jobs = std::max(1u, jobs);
    std::vector<std::future<util::Result<std::vector<SymversLine>>>> workers;
    for (unsigned w = 0; w < jobs; ++w)
        workers.push_back(
            std::async(std::launch::async, [&, w]() -> util::Result<std::vector<SymversLine>> {
                std::vector<SymversLine> out;
                for (size_t i = w; i < files.size(); i += jobs) {
                    auto lines = WSLMOD_TRY(parse_one(files[i].first, files[i].second,
                                                      src.describe() + ":" + files[i].first));
                    out.insert(out.end(), lines.begin(), lines.end());
                }
                return out;
            }));
    std::vector<SymversLine> all;
    std::optional<util::Error> first_error;
    for (auto& w : workers) {
        auto r = w.get();
        if (!r && !first_error) first_error = r.error();
        if (r) all.insert(all.end(), r->begin(), r->end());
    }
    if (first_error) return tl::unexpected(*first_error);
    return all;
}

std::string format_symvers(std::vector<SymversLine> lines) {
    std::stable_sort(lines.begin(), lines.end(), [](const SymversLine& a, const SymversLine& b) {
        bool av = a.module == "vmlinux", bv = b.module == "vmlinux";
        if (av != bv) return av;
        return std::tie(a.module, a.symbol) < std::tie(b.module, b.symbol);
    });
    std::string out;
    for (const auto& l : lines)
        out += fmt::format("0x{:08x}\t{}\t{}\t{}\t{}\n", l.crc, l.symbol, l.module,
                           l.gpl ? "EXPORT_SYMBOL_GPL" : "EXPORT_SYMBOL", l.ns);
    return out;
}

util::Result<RecoveredSymvers> recover_symvers(std::span<const std::byte> bzimage,
                                               const std::string& origin,
                                               image::FileSource* stock_modules, unsigned jobs) {
    auto lines = WSLMOD_TRY(symvers_from_kernel_image(bzimage, origin));
    RecoveredSymvers out;
    out.vmlinux_symbols = lines.size();
    if (stock_modules) {
        auto more = WSLMOD_TRY(symvers_from_modules(*stock_modules, jobs));
        out.module_symbols = more.size();
        lines.insert(lines.end(), more.begin(), more.end());
    }
    out.text = format_symvers(std::move(lines));
    return out;
}

} // namespace wslmod::kernel
