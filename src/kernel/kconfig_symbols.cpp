#include "kernel/kconfig_symbols.h"

#include <fstream>
#include <regex>

namespace wslmod::kernel {

std::set<std::string> kconfig_symbols(const std::filesystem::path& source) {
    static const std::regex entry(R"(^\s*(?:menu)?config\s+([A-Za-z0-9_]+)\s*$)");
    std::set<std::string> out;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(source, ec), end; it != end;
         it.increment(ec)) {
        if (ec) break;
        if (!it->is_regular_file(ec) || !it->path().filename().string().starts_with("Kconfig"))
            continue;
        std::ifstream in(it->path());
        std::smatch m;
        for (std::string line; std::getline(in, line);)
            if (line.find("config") != std::string::npos && std::regex_match(line, m, entry))
                out.insert(m[1].str());
    }
    return out;
}

} // namespace wslmod::kernel
