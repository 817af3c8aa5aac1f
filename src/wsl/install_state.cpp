#include "wsl/install_state.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/atomic_file.h"
#include "util/file.h"

namespace wslmod::wsl {
namespace {

using nlohmann::json;
constexpr const char* format_name = "wslmod-install-1";

json to_json(const InstallState& s) {
    json gens = json::array(), bad = json::array();
    for (const auto& g : s.generations)
        gens.push_back({{"id", g.id},
                        {"release", g.release},
                        {"dir", g.dir},
                        {"image_sha256", g.image_sha256},
                        {"kernel_sha256", g.kernel_sha256},
                        {"kernel", g.kernel},
                        {"modules", g.modules},
                        {"wslconfig_sha256", g.wslconfig_sha256},
                        {"applied", g.applied},
                        {"installed_at", g.installed_at},
                        {"project", g.project}});
    for (const auto& b : s.bad)
        bad.push_back({{"image_sha256", b.image_sha256},
                       {"release", b.release},
                       {"generation", b.generation},
                       {"at", b.at}});
    return {{"format", format_name}, {"generations", gens}, {"bad", bad}, {"next_id", s.next_id}};
}

} // namespace

util::Result<InstallState> read_state_file(const std::filesystem::path& root) {
    InstallState s;
    auto file = root / "state.json";
    auto text = util::read_if_exists(file);
    if (text) {
        json j;
        try {
            j = json::parse(*text);
        } catch (const std::exception& e) {
            return util::fail(
                fmt::format("wslmod's install record is not JSON: {}", e.what()), file.string(),
                "check that .wslconfig is as you want it, then delete " + root.string());
        }
        if (j.value("format", "") != format_name)
            return util::fail("wslmod's install record has an unknown format", file.string(),
                              "a newer wslmod wrote it; use that one");
        s.exists = true;
        s.next_id = j.value("next_id", 1);
        for (const auto& g : j.value("generations", json::array())) {
            Generation x;
            x.id = g.value("id", 0);
            x.release = g.value("release", "");
            x.dir = g.value("dir", "");
            x.image_sha256 = g.value("image_sha256", "");
            x.kernel_sha256 = g.value("kernel_sha256", "");
            x.kernel = g.value("kernel", "");
            x.modules = g.value("modules", "");
            x.wslconfig_sha256 = g.value("wslconfig_sha256", "");
            x.applied = g.value("applied", false);
            x.installed_at = g.value("installed_at", "");
            x.project = g.value("project", "");
            s.generations.push_back(x);
        }
        for (const auto& b : j.value("bad", json::array()))
            s.bad.push_back({b.value("image_sha256", ""), b.value("release", ""), b.value("at", ""),
                             b.value("generation", 0)});
    }
    return s;
}

util::Result<void> write_state_file(const std::filesystem::path& root, const InstallState& s) {
    return util::write_file_atomically(root / "state.json", to_json(s).dump(2) + "\n");
}

} // namespace wslmod::wsl
