#include "modules/stock.h"

#include <algorithm>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/disk_image.h"
#include "image/ext4_reader.h"
#include "image/file_source.h"
#include "kernel/modinfo.h"
#include "util/atomic_dir.h"
#include "util/decompress.h"
#include "util/file.h"
#include "util/parallel.h"
#include "util/process.h"
#include "util/sha256.h"

namespace wslmod::modules {
namespace fs = std::filesystem;
namespace {

constexpr const char* stock_format = "wslmod-stock-1";

bool dropped_link(const fs::path& rel) {
    auto s = rel.generic_string();
    return s == "build" || s == "source";
}

// Every entry below `root`, sorted, as relative paths.
std::vector<fs::path> walk(const fs::path& root) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        out.push_back(it->path().lexically_relative(root));
    std::sort(out.begin(), out.end());
    return out;
}

util::Result<std::string> folder_digest(const fs::path& root) {
    util::Sha256 sha;
    sha.update(stock_format);
    for (const auto& rel : walk(root)) {
        auto p = root / rel;
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0)
            return util::fail(fmt::format("cannot stat: {}", strerror(errno)), p.string());
        std::string target;
        if (S_ISLNK(st.st_mode)) target = fs::read_symlink(p).string();
        // NUL-separated fields: no path or link target contains a NUL.
        for (const auto& field :
             {rel.generic_string(), fmt::format("{:o}", st.st_mode), std::to_string(st.st_size),
              fmt::format("{}.{}", st.st_mtim.tv_sec, st.st_mtim.tv_nsec), target})
            sha.update(field).update(std::string_view("\0", 1));
    }
    return util::to_hex(sha.finish());
}

// Copies the folder `from` to `to`, without the top-level build/source links.
util::Result<void> copy_folder(const fs::path& from, const fs::path& to) {
    fs::create_directories(to);
    for (const auto& rel : walk(from)) {
        if (dropped_link(rel)) continue;
        auto src = from / rel, dst = to / rel;
        std::error_code ec;
        auto st = fs::symlink_status(src, ec);
        if (fs::is_symlink(st)) {
            if (rel.generic_string().starts_with("build/") ||
                rel.generic_string().starts_with("source/"))
                continue;
            fs::copy_symlink(src, dst, ec);
        } else if (fs::is_directory(st)) {
            fs::create_directories(dst, ec);
        } else if (fs::is_regular_file(st)) {
            fs::copy_file(src, dst, ec);
        } else {
            return util::bad_input(
                "not a file, folder or symlink: a modules tree has no special files", src.string());
        }
        if (ec) return util::fail(fmt::format("cannot copy: {}", ec.message()), src.string());
    }
    return {};
}

util::Result<void> extract_image(const fs::path& image, const fs::path& to) {
    auto disk = WSLMOD_TRY(image::open_disk_image(image));
    auto reader = WSLMOD_TRY(image::Ext4Reader::open(disk.device(), image.string()));
    std::error_code size_ec;
    image::ExtractLimits limits;
    limits.max_bytes = fs::file_size(image, size_ec); // the container holds at most its own size
    if (size_ec) limits.max_bytes = 0;
    WSLMOD_TRY(reader->extract("", to, limits));
    std::error_code ec;
    for (const char* link : {"build", "source"})
        if (fs::is_symlink(to / link, ec)) fs::remove(to / link, ec);
    fs::remove_all(to / "lost+found", ec);
    return {};
}

// plain/: decompressed modules, hard links for everything else.
util::Result<void> make_plain(const fs::path& tree, const fs::path& plain, unsigned jobs) {
    std::vector<fs::path> compressed;
    for (const auto& rel : walk(tree)) {
        auto src = tree / rel, dst = plain / rel;
        std::error_code ec;
        auto st = fs::symlink_status(src, ec);
        if (fs::is_directory(st)) {
            fs::create_directories(dst, ec);
        } else if (fs::is_symlink(st)) {
            fs::copy_symlink(src, dst, ec);
        } else if (!module_name(rel.filename().string()).empty() && rel.extension() != ".ko") {
            compressed.push_back(rel);
        } else {
            fs::create_hard_link(src, dst, ec);
            if (ec) fs::copy_file(src, dst, ec);
        }
        if (ec) return util::fail(fmt::format("cannot create: {}", ec.message()), dst.string());
    }
    return util::parallel_for(compressed.size(), jobs, [&](size_t i) -> util::Result<void> {
        auto src = tree / compressed[i];
        auto bytes = WSLMOD_TRY(util::read_bytes(src));
        auto elf = WSLMOD_TRY(util::plain_bytes(
            std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
            src.string()));
        return util::write_file(
            plain / compressed[i],
            std::string_view(reinterpret_cast<const char*>(elf.data()), elf.size()));
    });
}

util::Result<StockTree> read_entry(const fs::path& dir) {
    std::ifstream in(dir / "stock.json");
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || j.value("format", "") != stock_format)
        return util::fail("damaged stock modules cache entry", dir.string(),
                          "delete it and build again");
    StockTree s;
    s.tree = dir / "tree";
    s.plain = dir / "plain";
    s.release = j.value("release", "");
    s.digest = dir.filename().string();
    for (const auto& m : j["modules"])
        s.modules.push_back({m.value("name", ""), m.value("path", "")});
    return s;
}

} // namespace

std::string kernel_name(std::string name) {
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

std::string module_name(const std::string& filename) {
    auto at = filename.rfind(".ko");
    if (at == std::string::npos || at == 0) return {};
    auto rest = filename.substr(at);
    if (rest != ".ko" && rest != ".ko.xz" && rest != ".ko.zst" && rest != ".ko.gz") return {};
    return kernel_name(filename.substr(0, at));
}

util::Result<StockTree> open_stock(const fs::path& input, const fs::path& cache, unsigned jobs,
                                   const std::function<void(const std::string&)>& progress) {
    auto say = [&](const std::string& m) {
        if (progress) progress(m);
    };
    std::error_code ec;
    bool folder = fs::is_directory(input, ec);
    if (!folder && !fs::exists(input, ec))
        return util::bad_input("no such stock modules folder or image", input.string(),
                               "pass WSL's tools\\modules.vhd, or a lib/modules/<release> folder");
    auto digest = folder ? WSLMOD_TRY(folder_digest(input))
                         : util::to_hex(WSLMOD_TRY(util::sha256_file(input)));
    auto key = digest.substr(0, 32);
    auto entry = cache / "stock" / key;
    if (fs::exists(entry / ".complete")) {
        auto s = WSLMOD_TRY(read_entry(entry));
        s.cache_hit = true;
        return s;
    }

    fs::create_directories(entry.parent_path());
    util::remove_stale_temporaries(entry.parent_path());
    auto building = WSLMOD_TRY(util::AtomicDir::create(entry));
    const auto& tmp = building.path();
    say("reading the stock modules");
    if (folder)
        WSLMOD_CHECK(copy_folder(input, tmp / "tree"));
    else
        WSLMOD_CHECK(extract_image(input, tmp / "tree"));

    StockTree s;
    auto src = WSLMOD_TRY(image::open_file_source(tmp / "tree"));
    auto release = kernel::modules_release(*src);
    if (!release) {
        auto e = release.error();
        e.where = input.string();
        return tl::unexpected(e);
    }
    s.release = *release;
    for (const auto& rel : walk(tmp / "tree")) {
        auto name = module_name(rel.filename().string());
        if (!name.empty() && fs::is_regular_file(tmp / "tree" / rel))
            s.modules.push_back({name, rel.generic_string()});
    }
    say("decompressing the stock modules");
    WSLMOD_CHECK(make_plain(tmp / "tree", tmp / "plain", jobs));

    auto mods = nlohmann::json::array();
    for (const auto& m : s.modules)
        mods.push_back({{"name", m.name}, {"path", m.path}});
    nlohmann::json meta{{"format", stock_format},
                        {"release", s.release},
                        {"input", fs::absolute(input).string()},
                        {"modules", mods}};
    WSLMOD_CHECK(util::write_file(tmp / "stock.json", meta.dump(1) + "\n"));
    WSLMOD_CHECK(building.commit(".complete"));
    return read_entry(entry);
}

} // namespace wslmod::modules
