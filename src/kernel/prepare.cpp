#include "kernel/prepare.h"

#include <cstdlib>
#include <fstream>
#include <future>
#include <regex>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/file_source.h"
#include "image/tree.h"
#include "kernel/bzimage.h"
#include "kernel/config.h"
#include "kernel/kconfig_symbols.h"
#include "kernel/kernel_image.h"
#include "kernel/modinfo.h"
#include "kernel/release_pin.h"
#include "kernel/source_archive.h"
#include "kernel/source_subset.h"
#include "kernel/symvers.h"
#include "util/atomic_dir.h"
#include "util/decompress.h"
#include "util/fetch.h"
#include "util/file.h"
#include "util/sha256.h"
#include "util/timings.h"

namespace wslmod::kernel {
namespace {

// 2: the release is pinned by localversion-wslmod; 3: drift classes spelled as the CLI prints
// them; 4: the tree holds part of its source (source_subset.h) and no resolve_btfids
constexpr const char* tree_format = "wslmod-tree-4";

std::string first_line(util::CommandRunner& runner, std::vector<std::string> argv) {
    auto out = runner.run(util::Command(argv));
    if (!out || out->exit_code != 0) return "none";
    return out->output.substr(0, out->output.find('\n'));
}

util::Result<std::string> make(util::CommandRunner& runner, const std::filesystem::path& tree,
                               std::vector<std::string> args, const std::filesystem::path& log,
                               const std::string& cc) {
    std::vector<std::string> argv{"make", "-C", tree.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    for (auto& v : cc_vars(cc))
        argv.push_back(v);
    auto out = WSLMOD_TRY(runner.run(util::Command(argv)));
    WSLMOD_CHECK(util::append_file(log, "$ " + util::shell_quote(argv) + "\n" + out.output));
    if (out.exit_code != 0) {
        auto tail =
            out.output.size() > 1500 ? out.output.substr(out.output.size() - 1500) : out.output;
        return util::fail(fmt::format("`make {}` failed with exit code {}:\n{}",
                                      util::shell_quote(args), out.exit_code, tail),
                          log.string(), "the whole log is in that file");
    }
    return out.output;
}

util::Result<PreparedTree> read_entry(const std::filesystem::path& dir) {
    std::ifstream in(dir / ".wslmod-tree.json");
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded())
        return util::fail("damaged cache entry", dir.string(), "delete it and prepare again");
    PreparedTree t;
    t.dir = dir;
    t.release = j.value("release", "");
    t.localversion = j.value("localversion", "");
    t.kernelrelease = j.value("kernelrelease", false);
    t.symvers_source = j.value("symvers", "");
    t.warnings = j.value("warnings", std::vector<std::string>{});
    t.key = dir.filename().string();
    t.drift = drift_from_json(j.value("drift", nlohmann::json::array()));
    t.cc = j.value("cc", "gcc");
    t.compiler = j.value("compiler", "");
    t.source.path = j.value("source", "");
    t.source.digest = j.value("source_digest", "");
    t.source.subset = j.value("subset", false);
    return t;
}

} // namespace

util::Result<std::string> input_digest(const std::filesystem::path& p) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec))
        return util::to_hex(WSLMOD_TRY(image::scan_tree(p)).listing_digest);
    return util::to_hex(WSLMOD_TRY(util::sha256_file(p)));
}

util::Result<PreparedTree> open_prepared_tree(const std::filesystem::path& dir) {
    if (!std::filesystem::exists(dir / ".complete"))
        return util::bad_input("not a prepared kernel tree", dir.string(),
                               "run `wslmod kernel prepare` and pass the folder it prints");
    return read_entry(dir);
}

std::filesystem::path default_cache() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
        return std::filesystem::path(x) / "wslmod";
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home && *home ? home : "/tmp") / ".cache/wslmod";
}

namespace {

// The stock inputs: the release (the stock kernel's, which the stock modules must share), the
// stock kernel's bytes (Module.symvers is recovered from them) and the stock modules, open.
struct StockInputs {
    std::string release;
    std::string banner;                         // the image's whole version string, or ""
    std::vector<std::byte> kernel_bytes;        // empty without --stock-kernel
    std::unique_ptr<image::FileSource> modules; // null without --stock-modules
    std::optional<KernelImage> image;           // its header, without --stock-kernel none
};

util::Result<StockInputs> open_stock_inputs(const PrepareSpec& spec) {
    StockInputs stock;
    stock.release = spec.release;
    auto& release = stock.release;
    if (!spec.stock_kernel.empty()) {
        stock.kernel_bytes = WSLMOD_TRY(util::read_bytes(spec.stock_kernel));
        auto header =
            WSLMOD_TRY(parse_kernel_image(stock.kernel_bytes, spec.stock_kernel.string()));
        stock.image = header;
        if (!release.empty() && release != header.release)
            return util::bad_input(fmt::format("--release {} is not the stock kernel's release {}",
                                               release, header.release),
                                   spec.stock_kernel.string());
        release = header.release;
        stock.banner = header.version_string;
    }
    if (release.empty())
        return util::bad_input("no release: pass --stock-kernel (preferred) or --release",
                               "--stock-kernel");
    if (release.ends_with("+"))
        return util::bad_input(
            fmt::format("release '{}' ends in '+': a dirty git build, which no stock kernel is",
                        release),
            spec.stock_kernel.string(), "use the published kernel image");
    if (!spec.stock_modules.empty()) {
        stock.modules = WSLMOD_TRY(image::open_file_source(spec.stock_modules));
        auto mod_release = WSLMOD_TRY(modules_release(*stock.modules));
        if (mod_release != release)
            return util::bad_input(
                fmt::format("the stock modules are for {} but the stock kernel is {}", mod_release,
                            release),
                spec.stock_modules.string(), "pass the modules that ship with that kernel");
    }
    return stock;
}

// The source and the config, on this machine.
struct Sources {
    std::filesystem::path source;
    std::filesystem::path config; // empty for a config in the source (config_in_source)
    std::string config_location;  // as given, or /proc/config.gz: what errors about it name
    std::string config_in_source; // "source:<path>": the path
};

// Sources and config may be URLs: fetched once into the cache, by digest.
util::Result<Sources> fetch_sources(const PrepareSpec& spec, util::CommandRunner& runner) {
    if (util::is_url(spec.source) && spec.source_sha256.empty() && !spec.pin_on_first_use)
        return util::bad_input("a source URL needs its SHA-256", spec.source,
                               "pass --source-sha256");
    Sources in;
    in.source = WSLMOD_TRY(util::fetch(spec.source, spec.source_sha256, spec.cache, runner));
    in.config_location = spec.config;
    if (in.config_location.empty()) {
        if (!std::filesystem::exists("/proc/config.gz"))
            return util::bad_input(
                "no --config and the running kernel has no /proc/config.gz", "--config",
                "pass the published config (WSL: arch/x86/configs/config-wsl at the release tag)");
        in.config_location = "/proc/config.gz";
    }
    // "source:<path>": the config is a file of the source itself (WSL's config-wsl), which the
    // source's digest already covers.
    if (in.config_location.starts_with("source:"))
        in.config_in_source = in.config_location.substr(7);
    in.config = in.config_in_source.empty()
                    ? WSLMOD_TRY(util::fetch(in.config_location, "", spec.cache, runner))
                    : std::filesystem::path();
    return in;
}

util::Result<InputDigests> digest_inputs(const PrepareSpec& spec, const std::string& release,
                                         const std::string& toolchain, const Sources& in) {
    InputDigests digests{release, toolchain, {}};
    const std::pair<const char*, std::filesystem::path> named[] = {
        {"source", in.source},
        {"config", in.config},
        {"stock-kernel", spec.stock_kernel},
        {"stock-modules", spec.stock_modules},
        {"symvers", spec.symvers}};
    for (const auto& [name, p] : named)
        digests.inputs.emplace_back(name,
                                    std::string(name) == "config" && !in.config_in_source.empty()
                                        ? "source:" + in.config_in_source
                                    : p.empty() ? std::string("-")
                                                : WSLMOD_TRY(input_digest(p)));
    return digests;
}

// The cache entry's name: covers everything that can change the prepared tree.
std::string tree_key(const InputDigests& digests, const std::set<std::string>& allow_drift) {
    util::Sha256 key;
    key.update(tree_format)
        .update("|")
        .update(digests.release)
        .update("|")
        .update(digests.toolchain);
    for (const auto& [name, d] : digests.inputs)
        key.update("|").update(d);
    for (const auto& s : allow_drift)
        key.update("|allow:").update(s);
    return util::to_hex(key.finish()).substr(0, 32);
}

// The source into `tmp`, whole or only its subset: an archive extracted, a folder copied (links
// as links).
util::Result<void> unpack_source(const std::filesystem::path& source,
                                 const std::optional<SourceSubset>& subset,
                                 const std::filesystem::path& tmp, unsigned jobs) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(source, ec)) {
        ExtractOptions options;
        options.threads = jobs;
        const auto root = fs::absolute(tmp).lexically_normal();
        if (subset)
            options.place = [&](const std::string& rel) {
                return in_source_subset(rel, *subset) ? root / rel : fs::path();
            };
        WSLMOD_TRY(extract_source(source, tmp, options));
        return {};
    }
    if (!subset) {
        fs::copy(source, tmp, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
        if (ec)
            return util::fail(fmt::format("cannot copy the source: {}", ec.message()),
                              source.string());
        return {};
    }
    fs::create_directories(tmp, ec);
    fs::recursive_directory_iterator it(source, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        auto rel = it->path().lexically_relative(source).generic_string();
        auto st = it->symlink_status(ec);
        if (ec || fs::is_directory(st) || !in_source_subset(rel, *subset)) continue;
        fs::create_directories((tmp / rel).parent_path(), ec);
        if (!ec) fs::copy(it->path(), tmp / rel, fs::copy_options::copy_symlinks, ec);
    }
    if (ec)
        return util::fail(fmt::format("cannot copy the source: {}", ec.message()), source.string());
    return {};
}

// The published config, when it can be read before the source is extracted (a config inside
// the source archive cannot, without a pass over the archive); errors in it are reported by
// configure() after the extraction.
std::optional<KernelConfig> early_config(const Sources& in) {
    if (in.config.empty()) return std::nullopt;
    auto text = util::read_text_decompressed(in.config);
    if (!text) return std::nullopt;
    auto cfg = parse_config(*text, in.config_location);
    if (!cfg) return std::nullopt;
    return *cfg;
}

// The published config as the tree's .config, completed by olddefconfig; returns the published one.
util::Result<KernelConfig> configure(const Sources& in, const std::filesystem::path& tmp,
                                     const std::filesystem::path& log, util::CommandRunner& runner,
                                     const std::string& cc, unsigned jobs) {
    auto config = in.config;
    if (!in.config_in_source.empty()) {
        config = tmp / in.config_in_source;
        if (!std::filesystem::exists(config))
            return util::bad_input(
                fmt::format("the source has no {}", in.config_in_source), in.source.string(),
                "pass the published config with --config (or config = \"...\" in wslmod.toml)");
    }
    auto published_text = WSLMOD_TRY(util::read_text_decompressed(config));
    auto published = WSLMOD_TRY(parse_config(published_text, in.config_location));
    WSLMOD_CHECK(util::write_file(tmp / ".config", published_text));
    WSLMOD_TRY(make(
        runner, tmp,
        {"-s", fmt::format("-j{}", std::max(1u, jobs)), "olddefconfig", "LOCALVERSION="}, log, cc));
    return published;
}

// Sets tree.release, tree.localversion and tree.kernelrelease (release_pin.h): the source gives
// the base release, checked against the stock release and banner.  A release that extends the
// base is pinned in the tree and checked with a plain `make kernelrelease`; any other is set with
// KERNELRELEASE= on modules_prepare and checked in utsrelease.h afterwards (check_uts_release).
util::Result<void> pin_release(const PrepareSpec& spec, const StockInputs& stock,
                               const std::filesystem::path& tmp, const std::filesystem::path& log,
                               util::CommandRunner& runner, PreparedTree& tree) {
    const auto& release = stock.release;
    auto base =
        WSLMOD_TRY(make(runner, tmp, {"-s", "kernelrelease", "LOCALVERSION="}, log, tree.cc));
    base = base.substr(0, base.find('\n'));
    auto pin = WSLMOD_TRY(plan_release_pin(base, release, stock.banner, spec.source));
    tree.release = release;
    tree.localversion = pin.localversion;
    tree.kernelrelease = pin.kernelrelease;
    if (pin.kernelrelease) return {};
    // Kbuild appends the contents of localversion* files in the tree root to the release, so
    // every later make in this tree (and every module build against it) gets the whole release
    // without a LOCALVERSION= on its command line.
    if (!tree.localversion.empty())
        WSLMOD_CHECK(util::write_file(tmp / "localversion-wslmod", tree.localversion + "\n"));
    auto pinned = WSLMOD_TRY(make(runner, tmp, {"-s", "kernelrelease"}, log, tree.cc));
    pinned = pinned.substr(0, pinned.find('\n'));
    if (pinned.ends_with("+") && !release.ends_with("+"))
        return util::bad_input(
            fmt::format(
                "the tree reports release '{}': a trailing '+' (CONFIG_LOCALVERSION_AUTO or a "
                "git tree with changes) never matches a stock kernel",
                pinned),
            spec.source, "use a release tarball, or a clean checkout of the release tag");
    if (pinned != release)
        return util::fail(fmt::format("pinning LOCALVERSION={} gave '{}', not '{}'",
                                      tree.localversion, pinned, release),
                          spec.source);
    return {};
}

// After modules_prepare: the UTS_RELEASE every module's vermagic is made of is the stock one.
util::Result<void> check_uts_release(const std::filesystem::path& tmp, const PreparedTree& tree) {
    auto path = tmp / "include/generated/utsrelease.h";
    auto text = WSLMOD_TRY(util::read_text_decompressed(path));
    if (text.find(fmt::format("#define UTS_RELEASE \"{}\"", tree.release)) == std::string::npos)
        return util::fail(fmt::format("modules_prepare did not pin the release '{}'", tree.release),
                          path.string(), "the tree's Makefile ignores KERNELRELEASE=");
    return {};
}

// Sets tree.drift: what olddefconfig changed in the published config; fails on a fatal change.
util::Result<void> check_tree_drift(const PrepareSpec& spec, const KernelConfig& published,
                                    const Sources& in, const std::filesystem::path& tmp,
                                    PreparedTree& tree) {
    auto actual_text = WSLMOD_TRY(util::read_text_decompressed(tmp / ".config"));
    auto actual = WSLMOD_TRY(parse_config(actual_text, (tmp / ".config").string()));
    tree.drift = check_drift(published, actual, spec.allow_drift);
    if (!tree.drift.fatal()) return {};
    // Only a refusal reads the Kconfig files (a second or two): to tell a foreign config from a
    // missing tool, and to name each cause once with what fell with it.
    auto index = kconfig_index(tmp);
    mark_not_in_source(tree.drift, index.defined);
    attribute_roots(tree.drift, index.depends_on);
    if (!tree.drift.fatal()) return {};
    auto refusal = drift_refusal(tree.drift, in.config_location);
    refusal.details = nlohmann::json{{"drift", to_json(tree.drift)}}.dump();
    return tl::unexpected(refusal);
}

using Recovery = std::future<util::Result<RecoveredSymvers>>;

// Module.symvers recovered from the stock kernel and modules on other threads, started before
// the tree is configured (it needs nothing of the tree), or no future when there is nothing to
// recover.
Recovery start_recovery(const PrepareSpec& spec, const StockInputs& stock) {
    if (!spec.symvers.empty() || stock.kernel_bytes.empty()) return {};
    return std::async(std::launch::async, [&spec, &stock] {
        return recover_symvers(stock.kernel_bytes, spec.stock_kernel.string(), stock.modules.get(),
                               spec.jobs);
    });
}

// Sets tree.symvers_source ("file", "none" or "recovered") and writes tmp/Module.symvers.
util::Result<void> write_symvers(const PrepareSpec& spec, const StockInputs& stock,
                                 const KernelConfig& published, const std::filesystem::path& tmp,
                                 Recovery& recovery, PreparedTree& tree) {
    if (!spec.symvers.empty()) {
        std::error_code ec;
        std::filesystem::copy_file(spec.symvers, tmp / "Module.symvers",
                                   std::filesystem::copy_options::overwrite_existing, ec);
        if (ec)
            return util::fail(fmt::format("cannot copy: {}", ec.message()), spec.symvers.string());
        tree.symvers_source = "file";
    } else if (stock.kernel_bytes.empty()) {
        tree.symvers_source = "none";
        if (published.builtin("MODVERSIONS"))
            tree.warnings.push_back(
                "no Module.symvers (no --stock-kernel or --symvers): modules built against this "
                "tree will not load in a MODVERSIONS kernel");
    } else {
        auto symvers = WSLMOD_TRY(recovery.get());
        WSLMOD_CHECK(util::write_file(tmp / "Module.symvers", symvers.text));
        tree.symvers_source = "recovered";
    }
    return {};
}

// Adds the compiler note, writes the entry's metadata and publishes it as `entry`.
util::Result<void> publish_tree(util::AtomicDir& building, const std::filesystem::path& entry,
                                const Compiler& cc, const std::string& toolchain,
                                const KernelConfig& published, PreparedTree& tree) {
    const auto& tmp = building.path();
    auto log = tmp.string() + ".log";
    auto local_major = gcc_major(cc.version);
    auto stock_major = gcc_major(published.string_value("CC_VERSION_TEXT"));
    if (!cc.note.empty())
        tree.warnings.push_back(cc.note);
    else if (cc.program == "gcc" && !local_major.empty() && !stock_major.empty() &&
             local_major != stock_major)
        // The config was in the source, so the choice was made before it could be read.
        tree.warnings.push_back(fmt::format(
            "the stock kernel was built with gcc {}, this tree with gcc {}: modules usually load, "
            "but --cc gcc-{} (cc = \"gcc-{}\" in wslmod.toml) matches the kernel",
            stock_major, local_major, stock_major, stock_major));
    nlohmann::json meta{{"warnings", tree.warnings},
                        {"format", tree_format},
                        {"release", tree.release},
                        {"localversion", tree.localversion},
                        {"kernelrelease", tree.kernelrelease},
                        {"symvers", tree.symvers_source},
                        {"toolchain", toolchain},
                        {"source", tree.source.path.string()},
                        {"source_digest", tree.source.digest},
                        {"subset", tree.source.subset},
                        {"drift", to_json(tree.drift)},
                        {"compiler_major", local_major},
                        {"cc", cc.program},
                        {"compiler", cc.version},
                        {"published_compiler", published.string_value("CC_VERSION_TEXT")}};
    WSLMOD_CHECK(util::write_file(tmp / ".wslmod-tree.json", meta.dump(2) + "\n"));
    WSLMOD_CHECK(building.commit(".complete"));
    std::error_code ec;
    std::filesystem::rename(log, entry.string() + ".log", ec);
    return {};
}

} // namespace

util::Result<PreparedTree> prepare_tree(const PrepareSpec& spec, util::CommandRunner& runner,
                                        const Progress& progress) {
    auto say = [&](const std::string& m) {
        if (progress) progress(m);
    };
    util::Timings seconds;
    util::Stopwatch watch(seconds);
    auto stock = WSLMOD_TRY(open_stock_inputs(spec));
    auto in = WSLMOD_TRY(fetch_sources(spec, runner));

    // The cache key covers everything that can change the prepared tree.
    auto early = early_config(in);
    // The architecture: the stock kernel image's, which the config must agree with; without
    // an image, the config's.  Another one than this machine's is a cross build (compiler.h).
    auto target = stock.image ? stock.image->arch : Arch::x86_64;
    if (early && stock.image)
        WSLMOD_CHECK(check_arch(*early, *stock.image, spec.stock_kernel.string()));
    if (early && !stock.image) target = config_arch(*early).value_or(target);
    auto cc = WSLMOD_TRY(choose_compiler(early ? early->string_value("CC_VERSION_TEXT") : "",
                                         spec.cc, runner, cross_prefix(kbuild_arch(target))));
    auto toolchain = cc.version + "|" + first_line(runner, {"make", "--version"}) + "|" +
                     first_line(runner, {"pahole", "--version"});
    auto digests = WSLMOD_TRY(digest_inputs(spec, stock.release, toolchain, in));
    digests.compiler = cc.version;
    // The source as the tree records it: where it is now, and its digest (digest_inputs names
    // it first).
    const TreeSource source{std::filesystem::absolute(in.source).lexically_normal(),
                            digests.inputs.front().second};
    watch.lap("inputs");
    if (spec.gate) WSLMOD_CHECK(spec.gate(digests));
    auto hex = tree_key(digests, spec.allow_drift);
    auto trees = spec.cache / "trees";
    auto entry = trees / hex;
    if (std::filesystem::exists(entry / ".complete")) {
        auto t = WSLMOD_TRY(read_entry(entry));
        t.cache_hit = true;
        t.digests = digests;
        t.source.path = source.path; // where it is now; subset is as the entry says
        t.source.digest = source.digest;
        t.seconds = std::move(seconds);
        return t;
    }

    std::filesystem::create_directories(trees);
    util::remove_stale_temporaries(trees);
    auto building = WSLMOD_TRY(util::AtomicDir::create(entry));
    const auto& tmp = building.path();
    auto log = tmp.string() + ".log";

    std::optional<SourceSubset> subset;
    if (auto arch = subset_srcarch(early ? &*early : nullptr, in.config_in_source))
        subset = SourceSubset{*arch, in.config_in_source};
    say("extracting " + in.source.filename().string());
    WSLMOD_CHECK(unpack_source(in.source, subset, tmp, spec.jobs));
    watch.lap("extract");

    auto recovery = start_recovery(spec, stock);
    say("configuring");
    PreparedTree tree;
    tree.cc = cc.program;
    tree.compiler = cc.version;
    tree.source = source;
    tree.source.subset = subset.has_value();
    auto published = WSLMOD_TRY(configure(in, tmp, log, runner, cc.program, spec.jobs));
    WSLMOD_CHECK(pin_release(spec, stock, tmp, log, runner, tree));
    WSLMOD_CHECK(check_tree_drift(spec, published, in, tmp, tree));
    watch.lap("configure");

    say("make modules_prepare");
    std::vector<std::string> prepare{"-s", fmt::format("-j{}", std::max(1u, spec.jobs)),
                                     "modules_prepare", "CONFIG_DEBUG_INFO_BTF="};
    if (tree.kernelrelease) prepare.push_back("KERNELRELEASE=" + tree.release);
    WSLMOD_TRY(make(runner, tmp, prepare, log, cc.program));
    WSLMOD_CHECK(check_uts_release(tmp, tree));
    watch.lap("modules_prepare");

    say("Module.symvers");
    WSLMOD_CHECK(write_symvers(spec, stock, published, tmp, recovery, tree));
    watch.lap("symvers");

    WSLMOD_CHECK(publish_tree(building, entry, cc, toolchain, published, tree));
    watch.lap("publish");
    tree.dir = entry;
    tree.key = hex;
    tree.digests = digests;
    tree.seconds = std::move(seconds);
    return tree;
}

} // namespace wslmod::kernel
