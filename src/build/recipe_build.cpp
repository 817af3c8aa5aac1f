#include "build/recipe_build.h"

#include <fstream>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/tree.h"
#include "kernel/modinfo.h"
#include "util/file.h"
#include "util/sha256.h"

namespace wslmod::build {
namespace {

constexpr const char* build_format = "wslmod-build-1";

// SHA-256 over every file of `dir` (names, modes and contents), in sorted order.
util::Result<std::string> folder_digest(const std::filesystem::path& dir) {
    auto tree = WSLMOD_TRY(image::scan_tree(dir));
    util::Sha256 h;
    h.update(std::span<const std::byte>(tree.listing_digest));
    for (const auto& e : tree.entries)
        if (e.type == image::TreeEntry::Type::file) h.update(util::to_hex(WSLMOD_TRY(util::sha256_file(e.source))));
    return util::to_hex(h.finish());
}

std::string tail_of(const std::string& text, size_t n) { return text.size() > n ? "..." + text.substr(text.size() - n) : text; }

util::Result<RecipeBuild> read_entry(const std::filesystem::path& entry, const recipe::Recipe& r) {
    RecipeBuild b;
    b.recipe = r.name;
    b.key = entry.filename().string();
    b.cached = true;
    b.log = entry / "build.log";
    for (const auto& m : r.modules) b.modules.push_back({m.name, m.dest, entry / "modules" / (m.name + ".ko")});
    return b;
}

} // namespace

util::Result<RecipeBuild> build_recipe(const recipe::Recipe& r, const TreeRef& tree, const std::filesystem::path& cache,
                                       unsigned jobs, util::CommandRunner& runner) {
    if (r.source != recipe::SourceKind::path)
        return util::bad_input(fmt::format("building {} sources is not supported yet", recipe::to_string(r.source)),
                               r.file.string(), "use a path source for now");
    auto compiler = runner.run(util::Command({"gcc", "--version"}));
    util::Sha256 key;
    key.update(build_format).update("|").update(WSLMOD_TRY(folder_digest(r.dir))).update("|").update(tree.dir.filename().string())
        .update("|").update(tree.release).update("|").update(compiler && compiler->exit_code == 0 ? compiler->output : "none");
    auto hex = util::to_hex(key.finish()).substr(0, 32);
    auto builds = cache / "builds";
    auto entry = builds / hex;
    if (std::filesystem::exists(entry / ".complete")) return read_entry(entry, r);

    std::error_code ec;
    std::filesystem::create_directories(builds, ec);
    auto tmp = builds / fmt::format(".tmp-{}-{}", hex, ::getpid());
    std::filesystem::remove_all(tmp, ec);
    struct Cleanup {
        std::filesystem::path p;
        ~Cleanup() { std::error_code e; std::filesystem::remove_all(p, e); }
    } cleanup{tmp};
    auto work = tmp / "src";
    std::filesystem::create_directories(tmp);
    std::filesystem::copy(r.path, work, std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks, ec);
    if (ec) return util::fail(fmt::format("cannot copy the source: {}", ec.message()), r.path.string());

    std::vector<std::string> argv{"make", "-C", tree.dir.string(), "M=" + work.string(), fmt::format("-j{}", std::max(1u, jobs))};
    argv.insert(argv.end(), r.make_args.begin(), r.make_args.end());
    argv.push_back("modules");
    util::Command cmd(argv);
    for (const auto& [k, v] : r.make_env) cmd.with_env(k, v);
    auto out = WSLMOD_TRY(runner.run(cmd));
    auto log = tmp / "build.log";
    std::ofstream(log) << "$ " << util::shell_quote(argv) << "\n" << out.output;
    auto kept_log = builds / fmt::format("{}-{}.log", r.name, hex.substr(0, 12));
    if (out.exit_code != 0) {
        std::filesystem::copy_file(log, kept_log, std::filesystem::copy_options::overwrite_existing, ec);
        return util::fail(fmt::format("recipe {} failed to build (make exit code {}): {}", r.name, out.exit_code,
                                      tail_of(out.output.substr(0, out.output.find_last_not_of('\n') + 1), 400)),
                          kept_log.string(), "the whole log is in that file");
    }

    std::filesystem::create_directories(tmp / "modules");
    for (const auto& m : r.modules) {
        auto ko = work / (m.name + ".ko");
        if (!std::filesystem::exists(ko))
            return util::fail(fmt::format("recipe {} did not produce {}.ko", r.name, m.name), r.file.string(),
                              "fix [build] modules or the Kbuild file");
        auto bytes = WSLMOD_TRY(util::read_bytes(ko));
        auto vermagic = WSLMOD_TRY(kernel::modinfo_value(bytes, "vermagic", ko.string()));
        if (!vermagic || kernel::vermagic_release(*vermagic) != tree.release)
            return util::fail(fmt::format("{}.ko has vermagic '{}', not release {}", m.name, vermagic ? *vermagic : "none",
                                          tree.release), ko.string(), "build against the prepared tree of that release");
        std::filesystem::copy_file(ko, tmp / "modules" / ko.filename(), ec);
        if (ec) return util::fail(fmt::format("cannot keep {}: {}", ko.filename().string(), ec.message()), tmp.string());
    }
    std::filesystem::remove_all(work, ec);
    nlohmann::json meta{{"format", build_format}, {"recipe", r.name}, {"version", r.version}, {"release", tree.release}};
    std::ofstream(tmp / "build.json") << meta.dump(2) << "\n";
    std::ofstream(tmp / ".complete") << "";
    std::filesystem::rename(tmp, entry, ec);
    if (ec && !std::filesystem::exists(entry / ".complete"))
        return util::fail(fmt::format("cannot publish the build: {}", ec.message()), entry.string());
    auto built = WSLMOD_TRY(read_entry(entry, r));
    built.cached = false;
    return built;
}

} // namespace wslmod::build
