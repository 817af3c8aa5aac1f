#include "engine/recipe_build.h"

#include <chrono>
#include <fstream>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/jobserver.h"
#include "engine/stage.h"
#include "engine/steps.h"
#include "image/tree.h"
#include "kernel/compiler.h"
#include "kernel/modinfo.h"
#include "modules/module_info.h"
#include "recipe/recipe_toml.h"
#include "util/atomic_dir.h"
#include "util/file.h"
#include "util/paths.h"
#include "util/sha256.h"

namespace wslmod::engine {
namespace fs = std::filesystem;
namespace {

// 3: -ffile-prefix-map (steps.h), so builds from 2 embed this machine's paths
constexpr const char* build_format = "wslmod-build-3";

// SHA-256 over every file of `dir` (names, modes and contents), in sorted order.
util::Result<std::string> folder_digest(const fs::path& dir) {
    auto tree = WSLMOD_TRY(image::scan_tree(dir));
    util::Sha256 h;
    h.update(std::span<const std::byte>(tree.listing_digest));
    for (const auto& e : tree.entries)
        if (e.type == image::TreeEntry::Type::file)
            h.update(util::to_hex(WSLMOD_TRY(util::sha256_file(e.source))));
    return util::to_hex(h.finish());
}

// Every file named `name` below `dir`.
std::vector<fs::path> find_named(const fs::path& dir, const std::string& name) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file() && it->path().filename() == name) out.push_back(it->path());
    return out;
}

// Locks the build folder's module files into the entry, after checking each one.
util::Result<void> collect_modules(const recipe::Recipe& r, const fs::path& build_dir,
                                   const TreeRef& tree, const fs::path& out,
                                   util::CommandRunner& runner, std::string& log) {
    fs::create_directories(out);
    for (const auto& m : r.modules) {
        auto file = m.name + ".ko";
        std::vector<fs::path> found;
        if (!m.location.empty()) {
            if (fs::exists(build_dir / m.location / file))
                found.push_back(build_dir / m.location / file);
        } else {
            found = find_named(build_dir, file);
        }
        if (found.empty())
            return util::fail(fmt::format("recipe {} did not produce {}", r.name, file),
                              r.file.string(),
                              "fix [build] modules (or the module's location) or the build");
        if (found.size() > 1)
            return util::bad_input(
                fmt::format("recipe {} produced {} {} times", r.name, file, found.size()),
                r.file.string(),
                fmt::format("name its folder: {{ name = \"{}\", location = \"...\" }}", m.name));
        auto info = modules::module_info(found[0]);
        if (!info)
            return util::fail(
                fmt::format("{} is not a loadable module: {}", file, info.error().what),
                found[0].string());
        if (kernel::vermagic_release(info->vermagic) != tree.release)
            return util::fail(
                fmt::format("{} has vermagic '{}', not release {}", file, info->vermagic,
                            tree.release),
                found[0].string(),
                "build against the prepared tree of that release, without a '+' suffix");
        std::error_code ec;
        fs::copy_file(found[0], out / file, ec);
        if (ec)
            return util::fail(fmt::format("cannot keep {}: {}", file, ec.message()), out.string());
        if (m.strip) {
            util::Command strip({"strip", "-g", (out / file).string()});
            auto s = WSLMOD_TRY(runner.run(strip));
            log += "$ " + util::shell_quote(strip.argv) + "\n" + s.output;
            if (s.exit_code != 0)
                return util::fail(fmt::format("strip -g {} failed: {}", file, s.output),
                                  found[0].string(), "set STRIP[]=\"no\" for it in dkms.conf");
        }
    }
    return {};
}

// Module.symvers of every folder the build wrote one into, concatenated.
std::string collect_symvers(const fs::path& build_dir) {
    std::string all;
    for (const auto& p : find_named(build_dir, "Module.symvers")) {
        auto text = util::read_bytes(p);
        if (text) all.append(reinterpret_cast<const char*>(text->data()), text->size());
    }
    return all;
}

std::string read_kbuild(const fs::path& folder) {
    for (const char* name : {"Kbuild", "Makefile"}) {
        std::ifstream in(folder / name);
        if (in) return std::string(std::istreambuf_iterator<char>(in), {});
    }
    return {};
}

} // namespace

std::string compiler_identity(util::CommandRunner& runner, const std::string& cc) {
    return kernel::compiler_version(cc, runner);
}

util::Result<std::string> recipe_key(const recipe::Recipe& r, const TreeRef& tree,
                                     const std::string& compiler,
                                     const std::vector<std::string>& dep_keys) {
    util::Sha256 h;
    auto field = [&](const std::string& s) { h.update(s).update(std::string_view("\0", 1)); };
    field(build_format);
    field(recipe::to_toml(r)); // the resolved recipe: a dkms.conf's evaluation included
    // A manifest's deb recipe has no folder; a deb's unpacked source is keyed by its sha256.
    field(r.dir.empty() ? std::string("-") : WSLMOD_TRY(folder_digest(r.dir)));
    for (const auto& src : {r.path, r.dkms})
        if (!src.empty() && r.source != recipe::SourceKind::deb && !util::is_within(src, r.dir))
            field(WSLMOD_TRY(folder_digest(src)));
    field(r.sha256);
    field(tree.dir.filename().string()); // the tree key: source, config, symvers, toolchain
    field(tree.release);
    field(compiler);
    for (const auto& k : dep_keys)
        field(k);
    return util::to_hex(h.finish()).substr(0, 32);
}

std::optional<RecipeBuild> cached_build(const recipe::Recipe& r, const std::string& key,
                                        const fs::path& cache) {
    auto entry = cache / "builds" / key;
    if (!fs::exists(entry / ".complete")) return std::nullopt;
    RecipeBuild b;
    b.recipe = r.name;
    b.key = key;
    b.cached = true;
    b.log = entry / "build.log";
    b.symvers = entry / "Module.symvers";
    for (const auto& m : r.modules)
        b.modules.push_back({m.name, m.dest, entry / "modules" / (m.name + ".ko")});
    return b;
}

util::Result<RecipeBuild> build_recipe(const recipe::Recipe& r, const std::string& key,
                                       const TreeRef& tree, const std::vector<RecipeBuild>& deps,
                                       const BuildOptions& opt, util::CommandRunner& runner) {
    if (auto hit = cached_build(r, key, opt.cache)) return *hit;
    auto started = std::chrono::steady_clock::now();
    auto builds = opt.cache / "builds";
    std::error_code ec;
    fs::create_directories(builds, ec);
    auto entry = builds / key;
    auto building = WSLMOD_TRY(util::AtomicDir::create(entry));
    const auto& tmp = building.path();
    // DKMS's layout, so that a dkms.conf naming $dkms_tree/$PACKAGE_NAME/$PACKAGE_VERSION/build
    // finds its files: the temporary entry is $dkms_tree.
    const auto& package = r.dkms_name.empty() ? r.name : r.dkms_name;
    const auto& package_version = r.dkms_version.empty() ? r.version : r.dkms_version;
    auto build_dir = tmp / package / package_version / "build";
    fs::create_directories(build_dir.parent_path());

    std::string log;
    auto kept_log = builds / fmt::format("{}-{}.log", r.name, key.substr(0, 12));
    auto keep_log = [&]() {
        if (auto kept = util::write_file(kept_log, log); !kept) return kept.error().message();
        return kept_log.string();
    };
    auto rel = build_dir.lexically_normal().lexically_relative(tmp);
    if (rel.empty() || *rel.begin() == "..")
        return util::bad_input(fmt::format("package name '{}' or version '{}' is not a plain word",
                                           package, package_version),
                               r.file.string(), "use letters, digits and . + ~ _ -");
    if (auto staged = stage_source(r, build_dir, tree, opt.cache, runner); !staged) {
        auto e = staged.error();
        if (!e.what.starts_with("recipe ")) e.what = fmt::format("recipe {}: {}", r.name, e.what);
        if (e.hint.empty())
            e.hint = "fix " + r.file.string();
        else
            e.hint += " (" + r.file.string() + ")";
        return tl::unexpected(e);
    }
    if (auto patched = apply_patches(r, build_dir, log, runner); !patched) {
        keep_log();
        return tl::unexpected(patched.error());
    }

    StepContext ctx;
    ctx.tree = tree.dir;
    ctx.build_dir = build_dir;
    ctx.release = tree.release;
    ctx.makeflags = opt.jobserver->makeflags(launcher_overrides(opt.cc_launcher, tree.cc));
    for (const auto& d : deps)
        ctx.extra_symbols.push_back(d.symvers);
    if (!r.dkms_name.empty()) {
        // As DKMS has it: $source_tree/NAME-VERSION is the pristine source, and
        // $dkms_tree/NAME/VERSION/source links to it.
        ctx.dkms_tree = tmp;
        ctx.source_tree = tmp / "source";
        ctx.package = package;
        ctx.package_version = package_version;
        auto pristine = ctx.source_tree / (package + "-" + package_version);
        fs::create_directories(ctx.source_tree, ec);
        fs::create_directory_symlink(r.dkms, pristine, ec);
        fs::create_directory_symlink(pristine, build_dir.parent_path() / "source", ec);
    }
    for (const auto& folder : r.kernel_tree)
        ctx.kbuild[folder] = read_kbuild(build_dir / folder);
    if (!r.kconfig.empty())
        WSLMOD_CHECK(util::write_file(kconfig_header_path(build_dir), kconfig_header(r.kconfig)));

    for (const auto& step : build_steps(r, ctx)) {
        auto out = WSLMOD_TRY(runner.run(step.cmd));
        std::string env;
        for (const auto& [k, v] : step.cmd.env)
            env += util::shell_quote({k + "=" + v}) + " ";
        log += "$ cd " + util::shell_quote({step.cmd.cwd.string()}) + " && " + env +
               util::shell_quote(step.cmd.argv) + "\n" + out.output;
        if (out.exit_code != 0)
            return util::fail(fmt::format("recipe {} failed: its {} step exited with {}", r.name,
                                          step.what, out.exit_code),
                              keep_log(), "the whole log is in that file");
    }

    auto collected = collect_modules(r, build_dir, tree, tmp / "modules", runner, log);
    if (!collected) {
        keep_log();
        return tl::unexpected(collected.error());
    }
    WSLMOD_CHECK(util::write_file(tmp / "Module.symvers", collect_symvers(build_dir)));
    WSLMOD_CHECK(util::write_file(tmp / "build.log", log));
    auto mods = nlohmann::json::array();
    for (const auto& m : r.modules)
        mods.push_back({{"name", m.name}, {"dest", m.dest}});
    nlohmann::json meta{{"format", build_format},
                        {"recipe", r.name},
                        {"version", r.version},
                        {"release", tree.release},
                        {"modules", mods}};
    WSLMOD_CHECK(util::write_file(tmp / "build.json", meta.dump(2) + "\n"));
    fs::remove_all(tmp / package, ec);
    fs::remove_all(tmp / "source", ec);
    WSLMOD_CHECK(building.commit(".complete"));
    fs::remove(kept_log, ec);
    auto built = *cached_build(r, key, opt.cache);
    built.cached = false;
    built.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return built;
}

} // namespace wslmod::engine
