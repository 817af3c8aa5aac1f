#include "kernel/headers.h"

#include <fstream>
#include <sys/stat.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kernel/config.h"
#include "kernel/headers_cut.h"
#include "util/atomic_dir.h"
#include "util/file.h"

namespace wslmod::kernel {
namespace fs = std::filesystem;
namespace {

// Part of the entry's name: a change to the cut makes new entries instead of reusing old ones.
constexpr const char* headers_format = "h2";

// Whether a walk should go below the folder `rel` at all: most of a source tree is drivers'
// and filesystems' .c files, which the cut never takes.
bool worth_entering(const std::string& rel, const HeadersCut& cut) {
    auto slash = rel.find('/');
    auto top = rel.substr(0, slash);
    if (top == "include" || top == "scripts") return true;
    if (top == "arch")
        return slash == std::string::npos ||
               rel.substr(slash + 1, rel.find('/', slash + 1) - slash - 1) == cut.srcarch;
    if (top == "tools")
        return slash == std::string::npos || rel.starts_with("tools/objtool") ||
               rel.starts_with("tools/bpf");
    return false;
}

util::Result<Headers> read_meta(const fs::path& entry) {
    std::ifstream in(entry / "headers.json");
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return util::fail("damaged headers cache entry", entry.string(),
                          "delete it and run the command again");
    Headers h;
    h.dir = entry / "tree";
    h.release = j.value("release", "");
    h.srcarch = j.value("srcarch", "");
    h.files = j.value("files", size_t{0});
    h.symlinks = j.value("symlinks", size_t{0});
    h.bytes = j.value("bytes", uint64_t{0});
    h.stripped = j.value("stripped", std::vector<std::string>{});
    return h;
}

bool is_elf(const std::string& bytes) {
    return bytes.starts_with("\x7f"
                             "ELF");
}

util::Result<std::string> read_all(const fs::path& p) {
    auto bytes = WSLMOD_TRY(util::read_bytes(p));
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Copies one file of the cut; returns its bytes as written, after stripping when needed.
util::Result<std::string> copy_checked(const fs::path& from, const fs::path& to,
                                       const std::string& rel, const std::string& needle,
                                       util::CommandRunner& runner, Headers& h) {
    auto bytes = WSLMOD_TRY(read_all(from));
    std::error_code ec;
    fs::copy_file(from, to, ec);
    if (ec) return util::fail(fmt::format("cannot copy: {}", ec.message()), to.string());
    if (find_path_reference(bytes, needle) == std::string::npos) return bytes;
    if (is_elf(bytes)) {
        auto out = WSLMOD_TRY(runner.run(util::Command({"strip", "--strip-debug", to.string()})));
        if (out.exit_code != 0)
            return util::fail(fmt::format("`strip --strip-debug` failed: {}", out.output),
                              to.string(), "install binutils");
        h.stripped.push_back(rel);
        bytes = WSLMOD_TRY(read_all(to));
    }
    if (auto at = find_path_reference(bytes, needle); at != std::string::npos)
        return util::fail(
            fmt::format("{} holds the absolute path {} (at byte {}), so the headers would only "
                        "work where the tree was prepared",
                        rel, needle, at),
            from.string(), "please report it: the headers cut has to handle this file");
    return bytes;
}

// A relative link that stays inside the tree and leads to something the cut keeps.
bool keep_link(const std::string& rel, const fs::path& target, const HeadersCut& cut) {
    if (target.is_absolute()) return false;
    auto resolved = (fs::path(rel).parent_path() / target).lexically_normal().generic_string();
    if (resolved.starts_with("../") || resolved == "..") return false;
    return in_headers_cut(resolved, cut);
}

constexpr const char* resolve_btfids = "tools/bpf/resolve_btfids/resolve_btfids";

// resolve_btfids for the headers of a tree that does not have it (prepare.h leaves it out):
// built from the tree's tools/ sources into a scratch folder beside the headers, with the
// tools' own make (what Kbuild's `prepare: tools/bpf/resolve_btfids` runs), so that nothing is
// written into the prepared tree.
util::Result<void> build_resolve_btfids(const PreparedTree& tree, const fs::path& dest,
                                        const std::string& needle, util::CommandRunner& runner,
                                        Headers& h) {
    auto scratch = dest.parent_path() / "resolve_btfids-build";
    std::error_code ec;
    fs::create_directories(scratch / "tools", ec);
    util::RemoveOnExit remove(scratch);
    auto out = WSLMOD_TRY(runner.run(util::Command(
        {"make", "-s", "-C", (tree.dir / "tools").string(), "O=" + fs::absolute(scratch).string(),
         "subdir=tools", "bpf/resolve_btfids"})));
    if (out.exit_code != 0)
        return util::fail(
            fmt::format("building resolve_btfids for the headers failed:\n{}",
                        out.output.substr(out.output.size() > 1500 ? out.output.size() - 1500 : 0)),
            (tree.dir / "tools/bpf/resolve_btfids").string(), "install libelf-dev and zlib1g-dev");
    fs::create_directories((dest / resolve_btfids).parent_path(), ec);
    WSLMOD_TRY(copy_checked(scratch / resolve_btfids, dest / resolve_btfids, resolve_btfids, needle,
                            runner, h));
    ++h.files;
    h.bytes += fs::file_size(dest / resolve_btfids, ec);
    return {};
}

util::Result<void> cut_tree(const PreparedTree& tree, const HeadersCut& cut, const fs::path& dest,
                            util::CommandRunner& runner, Headers& h) {
    // The folder the tree was prepared in is a temporary sibling of tree.dir, so the check
    // looks for their common parent.
    auto needle = tree.dir.parent_path().string() + "/";
    std::error_code ec;
    fs::create_directories(dest, ec);
    fs::recursive_directory_iterator it(tree.dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        auto rel = it->path().lexically_relative(tree.dir).generic_string();
        auto st = it->symlink_status(ec);
        if (ec) break;
        if (fs::is_directory(st)) {
            if (!worth_entering(rel, cut)) it.disable_recursion_pending();
            continue;
        }
        if (!in_headers_cut(rel, cut)) continue;
        auto to = dest / rel;
        fs::create_directories(to.parent_path(), ec);
        if (ec) break;
        if (fs::is_symlink(st)) {
            auto target = fs::read_symlink(it->path(), ec);
            if (ec) break;
            if (!keep_link(rel, target, cut)) continue;
            fs::create_symlink(target, to, ec);
            if (ec) break;
            ++h.symlinks;
        } else if (fs::is_regular_file(st)) {
            auto bytes = WSLMOD_TRY(copy_checked(it->path(), to, rel, needle, runner, h));
            ++h.files;
            h.bytes += bytes.size();
        }
    }
    if (ec)
        return util::fail(fmt::format("cannot cut the headers: {}", ec.message()),
                          tree.dir.string());
    // A tree pinned with KERNELRELEASE= (release_pin.h) has the source's own release in
    // kernel.release, which is where Kbuild reads KERNELRELEASE from for an external module
    // build (modules_install's folder): the headers name the stock release instead.
    auto release_file = dest / "include/config/kernel.release";
    if (fs::exists(release_file) &&
        util::read_if_exists(release_file).value_or("") != tree.release + "\n")
        WSLMOD_CHECK(util::write_file(release_file, tree.release + "\n"));
    if (cut.btf_modules && !fs::exists(dest / resolve_btfids))
        WSLMOD_CHECK(build_resolve_btfids(tree, dest, needle, runner, h));
    for (const char* must : {"Makefile", "Module.symvers", "include/generated/utsrelease.h",
                             "include/config/auto.conf", "scripts/basic/fixdep"})
        if (!fs::exists(dest / must))
            return util::fail(fmt::format("the prepared tree has no {}", must), tree.dir.string(),
                              "prepare it again (`wslmod kernel prepare`)");
    return {};
}

} // namespace

std::string distro_headers_dir(const std::string& release, const std::string& prefix) {
    return fmt::format("{}/linux-headers-{}", prefix, release);
}

size_t find_path_reference(std::string_view bytes, std::string_view path) {
    return path.empty() ? std::string_view::npos : bytes.find(path);
}

util::Result<Headers> make_headers(const PreparedTree& tree, const fs::path& cache,
                                   util::CommandRunner& runner) {
    auto entry = cache / "headers" / fmt::format("{}-{}", headers_format, tree.key);
    if (fs::exists(entry / ".complete")) {
        auto h = WSLMOD_TRY(read_meta(entry));
        h.cache_hit = true;
        return h;
    }
    auto config_path = tree.dir / ".config";
    auto config_text = WSLMOD_TRY(util::read_text_decompressed(config_path));
    auto config = WSLMOD_TRY(parse_config(config_text, config_path.string()));
    auto cut = WSLMOD_TRY(headers_cut_for(config, config_path.string()));
    fs::create_directories(entry.parent_path());
    util::remove_stale_temporaries(entry.parent_path());
    auto building = WSLMOD_TRY(util::AtomicDir::create(entry));
    Headers h;
    h.release = tree.release;
    h.srcarch = cut.srcarch;
    WSLMOD_CHECK(cut_tree(tree, cut, building.path() / "tree", runner, h));
    nlohmann::json meta{{"format", headers_format}, {"release", h.release},
                        {"srcarch", h.srcarch},     {"files", h.files},
                        {"symlinks", h.symlinks},   {"bytes", h.bytes},
                        {"stripped", h.stripped}};
    WSLMOD_CHECK(util::write_file(building.path() / "headers.json", meta.dump(2) + "\n"));
    WSLMOD_CHECK(building.commit(".complete"));
    h.dir = entry / "tree";
    return h;
}

} // namespace wslmod::kernel
