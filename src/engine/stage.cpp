#include "engine/stage.h"

#include <fmt/format.h>

#include "kernel/source_archive.h"
#include "kernel/source_folders.h"
#include "util/copy_tree.h"
#include "util/fetch.h"

namespace wslmod::engine {
namespace fs = std::filesystem;

util::Result<void> stage_source(const recipe::Recipe& r, const fs::path& build_dir,
                                const TreeRef& tree, const fs::path& cache,
                                util::CommandRunner& runner) {
    using recipe::SourceKind;
    switch (r.source) {
    case SourceKind::path:
        return util::copy_tree(r.path, build_dir, "the recipe's source");
    case SourceKind::dkms:
    case SourceKind::deb: // fetched and unpacked before planning (recipe/deb_source.h)
        return util::copy_tree(r.dkms, build_dir, "the dkms source");
    case SourceKind::url: {
        auto archive = WSLMOD_TRY(util::fetch(r.url, r.sha256, cache, runner));
        auto extracted = kernel::extract_source(archive, build_dir);
        if (!extracted)
            return util::bad_input(
                fmt::format("the archive of recipe {} is unsafe or unreadable: {}", r.name,
                            extracted.error().what),
                r.url, "fix the archive or its url");
        auto links = util::links_stay_inside(build_dir, "the archive", build_dir.string());
        if (!links) return util::bad_input(links.error().what, r.url, links.error().hint);
        return {};
    }
    case SourceKind::kernel_tree: {
        auto folders = kernel::source_folders(tree.dir, tree.source, r.kernel_tree, cache);
        if (!folders) {
            auto e = folders.error();
            if (e.what.starts_with("kernel-tree folder")) e.where = r.file.string();
            return tl::unexpected(e);
        }
        for (const auto& folder : r.kernel_tree) {
            // A folder inside another listed one (drivers/net/can/usb with drivers/net/can) comes
            // with that one's copy.
            bool nested = false;
            for (const auto& other : r.kernel_tree)
                nested = nested || (other != folder && (folder + "/").starts_with(other + "/"));
            if (!nested)
                WSLMOD_CHECK(util::copy_tree(folders->at(folder), build_dir / folder,
                                             "kernel folder " + folder));
        }
        return {};
    }
    }
    return {};
}

namespace {

// The line of patch's output that says what went wrong.
std::string patch_complaint(const std::string& output) {
    std::string last;
    size_t start = 0;
    while (start < output.size()) {
        auto end = output.find('\n', start);
        auto line =
            output.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (line.find("FAILED") != std::string::npos ||
            line.find("can't find file") != std::string::npos ||
            line.find("malformed") != std::string::npos ||
            line.find("Only garbage") != std::string::npos)
            return line;
        if (!line.empty()) last = line;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return last;
}

} // namespace

util::Result<void> apply_patches(const recipe::Recipe& r, const fs::path& build_dir,
                                 std::string& log, util::CommandRunner& runner) {
    for (const auto& p : r.patches) {
        util::Command cmd(
            {"patch", "-p1", "--forward", "--batch", "--no-backup-if-mismatch", "-i", p.string()});
        auto out = WSLMOD_TRY(runner.run(cmd.in(build_dir)));
        log += "$ " + util::shell_quote(cmd.argv) + "\n" + out.output;
        if (out.exit_code != 0) {
            // A distro's own build of the same source may carry the fix already (Ubuntu's
            // v4l2loopback-dkms does): a patch that reverses cleanly is applied, so skip it.
            util::Command reverse(
                {"patch", "-p1", "-R", "--dry-run", "--batch", "-s", "-i", p.string()});
            auto rev = WSLMOD_TRY(runner.run(reverse.in(build_dir)));
            if (rev.exit_code == 0) {
                log += "(already applied to this source: skipped)\n";
                continue;
            }
        }
        if (out.exit_code != 0)
            return util::bad_input(fmt::format("patch {} does not apply to recipe {}'s source: {}",
                                               p.filename().string(), r.name,
                                               patch_complaint(out.output)),
                                   p.string(), "refresh the patch against this source version");
    }
    return {};
}

} // namespace wslmod::engine
