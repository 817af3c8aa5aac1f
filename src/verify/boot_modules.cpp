#include "verify/boot_modules.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "modules/stock.h"

namespace wslmod::verify {

namespace {

std::string base_name(const std::string& path) {
    auto slash = path.rfind('/');
    return path.substr(slash == std::string::npos ? 0 : slash + 1);
}

} // namespace

BootModulePlan plan_boot_modules(std::string_view modules_dep, std::string_view modules_builtin,
                                 const std::vector<std::string>& wanted) {
    std::map<std::string, std::string> path_of;            // name -> path
    std::map<std::string, std::vector<std::string>> needs; // path -> dependency paths
    std::istringstream dep{std::string(modules_dep)};
    for (std::string line; std::getline(dep, line);) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        auto path = line.substr(0, colon);
        path_of[modules::module_name(base_name(path))] = path;
        std::istringstream rest(line.substr(colon + 1));
        for (std::string d; rest >> d;)
            needs[path].push_back(d);
    }
    std::set<std::string> builtin;
    std::istringstream bi{std::string(modules_builtin)};
    for (std::string line; std::getline(bi, line);)
        if (!line.empty()) builtin.insert(modules::module_name(base_name(line)));

    BootModulePlan plan;
    std::set<std::string> placed;
    // modules.dep lists every (transitive) dependency, the last one first to load; loading them
    // in reverse, then the module, gives a valid order.
    std::function<void(const std::string&)> place = [&](const std::string& path) {
        if (placed.count(path)) return;
        placed.insert(path);
        auto it = needs.find(path);
        if (it != needs.end())
            for (auto d = it->second.rbegin(); d != it->second.rend(); ++d)
                place(*d);
        plan.paths.push_back(path);
    };
    for (const auto& w : wanted) {
        auto name = modules::kernel_name(w);
        if (auto it = path_of.find(name); it != path_of.end())
            place(it->second);
        else if (builtin.count(name))
            plan.builtin.push_back(name);
        else
            plan.missing.push_back(name);
    }
    return plan;
}

util::Result<std::vector<BootModuleFile>> read_boot_modules(image::FileSource& image,
                                                            const BootModulePlan& plan) {
    std::vector<BootModuleFile> out;
    for (const auto& path : plan.paths) {
        auto data = image.read(path);
        if (!data)
            return util::fail(
                fmt::format("modules.dep names {}, but the image has no such file", path),
                image.describe(), "rebuild the image");
        out.push_back({base_name(path), std::move(*data)});
    }
    return out;
}

} // namespace wslmod::verify
