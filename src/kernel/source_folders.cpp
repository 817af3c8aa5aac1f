#include "kernel/source_folders.h"

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "kernel/source_archive.h"
#include "util/atomic_dir.h"
#include "util/sha256.h"

namespace wslmod::kernel {
namespace fs = std::filesystem;
namespace {

std::string folder_key(const std::string& folder) {
    return util::to_hex(util::Sha256().update(folder).finish()).substr(0, 16);
}

bool under_or_at(const std::string& rel, const std::string& folder) {
    return rel == folder ||
           (rel.size() > folder.size() && rel.starts_with(folder) && rel[folder.size()] == '/');
}

tl::unexpected<util::Error> not_in_source(const std::string& folder, const fs::path& tree,
                                          const TreeSource& source) {
    return util::bad_input(
        fmt::format("kernel-tree folder '{}' is not in the kernel source", folder),
        source.subset ? source.path.string() : tree.string(),
        "name a folder of the kernel source, such as drivers/usb/serial");
}

} // namespace

util::Result<std::map<std::string, fs::path>>
source_folders(const fs::path& tree, const TreeSource& source,
               const std::vector<std::string>& wanted, const fs::path& cache, unsigned threads) {
    std::map<std::string, fs::path> found;
    std::error_code ec;
    auto root = cache / "source-folders" / source.digest.substr(0, 32);
    auto normal = [](const std::string& raw) {
        auto folder = fs::path(raw).lexically_normal().generic_string();
        while (folder.ends_with("/"))
            folder.pop_back();
        return folder;
    };
    // The folder itself, or one around it, extracted earlier.
    auto lookup = [&](const std::string& raw) {
        auto folder = normal(raw);
        for (auto at = fs::path(folder); !at.empty(); at = at.parent_path())
            if (auto entry = root / folder_key(at.generic_string());
                fs::exists(entry / ".complete", ec)) {
                found[raw] = entry / folder;
                return true;
            }
        return false;
    };
    std::vector<std::string> missing;
    for (const auto& raw : wanted) {
        if (!source.subset || fs::is_directory(source.path, ec)) {
            auto base = (source.subset ? source.path : tree) / normal(raw);
            if (!fs::is_directory(base, ec)) return not_in_source(raw, tree, source);
            found[raw] = base;
        } else if (!lookup(raw)) {
            missing.push_back(normal(raw));
        }
    }
    if (missing.empty()) return found;
    std::sort(missing.begin(), missing.end());
    missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
    // A folder inside another missing one comes with that one.
    std::erase_if(missing, [&](const std::string& f) {
        for (const auto& other : missing)
            if (other != f && under_or_at(f, other)) return true;
        return false;
    });

    if (source.path.empty() || source.digest.empty())
        return util::fail("the prepared tree does not say which source it was prepared from",
                          tree.string(), "prepare it again (`wslmod kernel prepare`)");
    if (!fs::is_regular_file(source.path, ec) ||
        WSLMOD_TRY(input_digest(source.path)) != source.digest)
        return util::bad_input(
            fmt::format("the kernel source this tree was prepared from is gone or changed, and "
                        "it holds the recipe's folder {}",
                        missing.front()),
            source.path.string(),
            "prepare the tree again from its source (`wslmod build` in the project does)");
    fs::create_directories(root, ec);
    util::remove_stale_temporaries(root);
    std::vector<std::pair<std::string, util::AtomicDir>> building;
    for (const auto& folder : missing)
        building.emplace_back(folder,
                              WSLMOD_TRY(util::AtomicDir::create(root / folder_key(folder))));
    ExtractOptions options;
    options.threads = threads;
    options.place = [&](const std::string& rel) -> fs::path {
        for (auto& [folder, dir] : building)
            if (under_or_at(rel, folder)) return dir.path() / rel;
        return {};
    };
    WSLMOD_TRY(extract_source(source.path, {}, options));
    for (auto& [folder, dir] : building) {
        if (!fs::is_directory(dir.path() / folder, ec)) return not_in_source(folder, tree, source);
        WSLMOD_CHECK(dir.commit(".complete"));
    }
    for (const auto& raw : wanted)
        if (!found.count(raw) && !lookup(raw)) return not_in_source(raw, tree, source);
    return found;
}

} // namespace wslmod::kernel
