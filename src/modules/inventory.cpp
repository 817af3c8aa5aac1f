#include "modules/inventory.h"

#include <algorithm>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "kernel/modinfo.h"
#include "modules/stock.h"
#include "util/decompress.h"
#include "util/parallel.h"
#include "util/sha256.h"

namespace wslmod::modules {

util::Result<Inventory>
read_inventory(image::FileSource& src, unsigned jobs,
               const std::function<bool(const ImageModule&)>& want_vermagic) {
    if (!src.exists("modules.dep"))
        return util::bad_input(
            "no modules.dep at the root: not a modules image, or not one depmod ran on",
            src.describe(), "pass a modules.vhdx (flat layout) or a lib/modules/<release> folder");
    Inventory inv;
    inv.release = WSLMOD_TRY(kernel::modules_release(src));
    std::istringstream dep(WSLMOD_TRY(src.read("modules.dep")));
    for (std::string line; std::getline(dep, line);) {
        auto path = line.substr(0, line.find(':'));
        auto slash = path.rfind('/');
        ImageModule m;
        m.path = path;
        m.name = module_name(slash == std::string::npos ? path : path.substr(slash + 1));
        if (m.name.empty())
            return util::fail("modules.dep names a file that is not a module: " + path,
                              src.describe());
        inv.modules.push_back(std::move(m));
    }
    // The source is read on this thread (it is not thread-safe), a batch at a time; hashing and
    // decompression run in parallel.
    constexpr size_t batch = 128;
    for (size_t start = 0; start < inv.modules.size(); start += batch) {
        size_t end = std::min(inv.modules.size(), start + batch);
        std::vector<std::string> bytes;
        for (size_t i = start; i < end; ++i)
            bytes.push_back(WSLMOD_TRY(src.read(inv.modules[i].path)));
        WSLMOD_CHECK(util::parallel_for(end - start, jobs, [&](size_t k) -> util::Result<void> {
            auto& m = inv.modules[start + k];
            const auto& b = bytes[k];
            m.sha256 = util::to_hex(util::Sha256().update(b).finish());
            if (want_vermagic && !want_vermagic(m)) return {};
            auto origin = src.describe() + ":" + m.path;
            auto elf = WSLMOD_TRY(util::plain_bytes(b, origin));
            auto v = WSLMOD_TRY(kernel::modinfo_value(elf, "vermagic", origin));
            m.vermagic = v.value_or("");
            return {};
        }));
    }
    std::sort(inv.modules.begin(), inv.modules.end(),
              [](const ImageModule& a, const ImageModule& b) {
                  return std::tie(a.name, a.path) < std::tie(b.name, b.path);
              });
    return inv;
}

InventoryDiff diff(const Inventory& from, const Inventory& to) {
    std::map<std::string, const ImageModule*> before;
    for (const auto& m : from.modules)
        before[m.name] = &m;
    InventoryDiff d;
    std::map<std::string, bool> seen;
    for (const auto& m : to.modules) {
        seen[m.name] = true;
        auto it = before.find(m.name);
        if (it == before.end())
            d.added.push_back(m);
        else if (it->second->sha256 != m.sha256 || it->second->path != m.path)
            d.changed.emplace_back(*it->second, m);
    }
    for (const auto& m : from.modules)
        if (!seen.count(m.name)) d.removed.push_back(m);
    return d;
}

util::Result<ImageComparison> compare_images(image::FileSource& base, image::FileSource& image,
                                             unsigned jobs) {
    ImageComparison c;
    c.base = WSLMOD_TRY(read_inventory(base, jobs, [](const ImageModule&) { return false; }));
    std::map<std::string, std::string> base_digest;
    for (const auto& m : c.base.modules)
        base_digest[m.name] = m.sha256;
    c.image = WSLMOD_TRY(read_inventory(image, jobs, [&](const ImageModule& m) {
        auto it = base_digest.find(m.name);
        return it == base_digest.end() || it->second != m.sha256;
    }));
    c.diff = diff(c.base, c.image);
    return c;
}

} // namespace wslmod::modules
