#include "modules/assemble.h"

#include <algorithm>

#include <atomic>
#include <fstream>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kernel/headers.h"
#include "modules/depmod.h"
#include "modules/verify.h"
#include "util/file.h"
#include "util/sha256.h"
#include "util/timings.h"

namespace wslmod::modules {
namespace fs = std::filesystem;
util::Result<ImageReport> assemble_image(const AssembleSpec& spec, util::CommandRunner& runner,
                                         const std::function<void(const std::string&)>& progress) {
    auto say = [&](const std::string& m) {
        if (progress) progress(m);
    };
    if (spec.stock && spec.stock->release != spec.release)
        return util::bad_input(fmt::format("the stock modules are for {} but the kernel is {}",
                                           spec.stock->release, spec.release),
                               spec.stock->tree.string(),
                               "pass the modules that ship with that kernel");
    ImageReport report;
    report.release = spec.release;
    util::Stopwatch timer(report.seconds);

    say("staging");
    auto work_root = spec.cache / "staging";
    fs::create_directories(work_root);
    util::remove_stale_temporaries(work_root);
    static std::atomic<unsigned> counter{0};
    StageSpec ss{spec.stock,    spec.release, spec.compression, spec.added,
                 spec.replaces, spec.cache,   spec.in_tree};
    auto staging = WSLMOD_TRY(
        Staging::create(ss, work_root / fmt::format(".tmp-{}-{}", counter++, ::getpid())));
    timer.lap("stage");

    say("depmod");
    auto issues = WSLMOD_TRY(run_depmod(runner, staging.depmod_base(), spec.release, spec.symvers));
    if (!issues.empty()) {
        std::string where = spec.symvers.string();
        for (const auto& a : staging.added)
            if (a.path == issues.front().module) where = fmt::format("recipe {}", a.recipe);
        return tl::unexpected(depmod_error(issues, where));
    }
    std::error_code ec;
    for (const auto& name : depmod_outputs()) {
        if (!fs::exists(staging.plain_root() / name)) continue;
        fs::copy_file(staging.plain_root() / name, staging.root() / name,
                      fs::copy_options::overwrite_existing, ec);
        if (ec)
            return util::fail(fmt::format("cannot stage {}: {}", name, ec.message()),
                              staging.root().string());
    }
    timer.lap("depmod");

    say("verifying");
    VerifySpec vs{staging.root(), staging.plain_root(), spec.release, {}, spec.jobs};
    for (const auto& a : staging.added)
        vs.added.push_back(a.path);
    auto verified = verify_tree(vs);
    if (!verified) {
        auto e = verified.error();
        for (const auto& a : staging.added)
            if (a.path == e.where) e.where = fmt::format("{} (recipe {})", a.path, a.recipe);
        return tl::unexpected(e);
    }
    timer.lap("verify");

    // The image's own record of what it adds, for `wslmod verify --added` and install's boot check.
    if (!staging.added.empty()) {
        std::vector<std::string> lines;
        for (const auto& a : staging.added)
            lines.push_back(fmt::format("{} {} {}\n", a.name, a.path, a.recipe));
        std::sort(lines.begin(), lines.end());
        std::string record =
            "# wslmod: the modules this image adds to the stock ones: name, path, recipe\n";
        for (const auto& l : lines)
            record += l;
        WSLMOD_CHECK(util::write_file(staging.root() / added_record_name, record));
    }

    say("packing");
    auto po = spec.pack;
    po.keep_previous = true;
    po.hash_output = true;
    po.canonical_modes = true; // the same image whatever the umask of whoever built it
    if (po.release.empty()) po.release = spec.release;
    po.headers = spec.headers;
    if (spec.headers.empty()) po.build_link = kernel::distro_headers_dir(spec.release);
    bool had_previous = fs::exists(spec.output, ec);
    auto packed = WSLMOD_TRY(image::pack(staging.root(), spec.output, po));
    timer.lap("pack");

    report.output = packed.output;
    if (had_previous) report.previous = packed.output.string() + ".prev";
    if (packed.sha256) report.sha256 = util::to_hex(*packed.sha256);
    report.file_size = packed.file_size;
    report.modules = verified->modules;
    report.aliases = verified->aliases;
    report.dependencies = verified->dependencies;
    report.stock_modules = staging.stock_modules;
    report.unchanged = staging.unchanged;
    report.added = staging.added;
    report.replaced = staging.replaced;
    report.warnings = staging.warnings;
    report.warnings.insert(report.warnings.end(), verified->warnings.begin(),
                           verified->warnings.end());
    return report;
}

nlohmann::json to_json(const ImageReport& r) {
    auto added = nlohmann::json::array(), replaced = nlohmann::json::array();
    for (const auto& a : r.added)
        added.push_back({{"recipe", a.recipe}, {"name", a.name}, {"path", a.path}});
    for (const auto& x : r.replaced)
        replaced.push_back({{"recipe", x.recipe},
                            {"name", x.name},
                            {"stock_path", x.stock_path},
                            {"path", x.path}});
    return {
        {"release", r.release},
        {"output", r.output.string()},
        {"previous", r.previous.empty() ? nlohmann::json() : nlohmann::json(r.previous.string())},
        {"sha256", r.sha256},
        {"file_size", r.file_size},
        {"counts",
         {{"modules", r.modules},
          {"stock", r.stock_modules},
          {"added", r.added.size()},
          {"replaced", r.replaced.size()},
          {"unchanged", r.unchanged},
          {"aliases", r.aliases},
          {"dependencies", r.dependencies}}},
        {"added", added},
        {"replaced", replaced},
        {"warnings", r.warnings},
        {"seconds", util::timings_json(r.seconds)}};
}

} // namespace wslmod::modules
