#include "project/headers.h"

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/tree.h"
#include "util/atomic_dir.h"
#include "util/atomic_file.h"
#include "util/copy_tree.h"
#include "util/file.h"

namespace wslmod::project {
namespace fs = std::filesystem;
namespace {

constexpr const char* record_name = ".wslmod-headers.json";

// The cache entry a headers folder came from (its parent's name): what tells two cuts apart.
std::string entry_of(const kernel::Headers& h) {
    return h.dir.parent_path().filename().string();
}

std::string record_text(const kernel::Headers& h, const std::string& via) {
    return nlohmann::json{{"release", h.release}, {"headers", entry_of(h)}, {"via", via}}.dump(2) +
           "\n";
}

std::string deb_arch(const std::string& srcarch) {
    return srcarch == "x86" ? "amd64" : srcarch;
}

// A copy of the headers with the record, in `to` (which may exist, empty).  Modes are the
// canonical ones images get (image/tree.h) whatever the umask of whoever runs this, so that
// every user can build against the copy and the .deb holds the same modes.
util::Result<void> copy_headers(const kernel::Headers& h, const fs::path& to,
                                const std::string& via) {
    WSLMOD_CHECK(util::copy_tree(h.dir, to, "the headers"));
    WSLMOD_CHECK(util::write_file(to / record_name, record_text(h, via)));
    std::error_code ec;
    fs::permissions(to, fs::perms(0755), ec);
    for (fs::recursive_directory_iterator it(to, ec), end; !ec && it != end; it.increment(ec)) {
        auto st = it->symlink_status(ec);
        if (ec || fs::is_symlink(st)) continue;
        auto type =
            fs::is_directory(st) ? image::TreeEntry::Type::directory : image::TreeEntry::Type::file;
        auto mode = image::canonical_mode(type, static_cast<uint32_t>(st.permissions()));
        fs::permissions(it->path(), fs::perms(mode), ec);
    }
    if (ec) return util::fail(fmt::format("cannot set modes: {}", ec.message()), to.string());
    return {};
}

// `h` came from <cache>/headers/<entry>/tree: the cache to hand to a second run as root, so
// that it reuses the tree this one prepared instead of preparing its own.
tl::unexpected<util::Error> cannot_write(const fs::path& where, const std::error_code& ec,
                                         const kernel::Headers& h) {
    auto cache = h.dir.parent_path().parent_path().parent_path();
    return util::fail(fmt::format("cannot write there: {}", ec.message()), where.string(),
                      ::geteuid() == 0
                          ? "pass --prefix with a folder you can write"
                          : fmt::format("run it again as root, with this tree: `sudo wslmod "
                                        "headers install --cache {}` (the rest of the command "
                                        "as it was), or pass --prefix",
                                        util::shell_quote({cache.string()})));
}

} // namespace

util::Result<kernel::Headers> headers_for(const BuildInputs& in, util::CommandRunner& runner,
                                          Reporter& reporter) {
    kernel::PreparedTree tree;
    if (!in.tree.empty()) {
        tree = WSLMOD_TRY(kernel::open_prepared_tree(fs::absolute(in.tree).lexically_normal()));
    } else {
        auto p = kernel::prepare_tree(prepare_spec(in), runner, [&](const std::string& m) {
            reporter.step("prepare: " + m);
        });
        reporter.done();
        tree = WSLMOD_TRY(std::move(p));
    }
    reporter.step("headers");
    auto h = kernel::make_headers(tree, in.run.resolved_cache(), runner);
    reporter.done();
    return h;
}

std::string to_string(BuildEntry e) {
    switch (e) {
    case BuildEntry::leads_here:
        return "leads-here";
    case BuildEntry::in_image:
        return "in-image";
    case BuildEntry::elsewhere:
        return "elsewhere";
    case BuildEntry::missing:
        break;
    }
    return "missing";
}

BuildEntry build_entry(const fs::path& modules_root, const std::string& release,
                       const fs::path& dir) {
    auto entry = modules_root / release / "build";
    std::error_code ec;
    auto st = fs::symlink_status(entry, ec);
    if (ec || !fs::exists(st)) return BuildEntry::missing;
    if (fs::is_directory(st))
        return fs::exists(entry / "Makefile", ec) ? BuildEntry::in_image : BuildEntry::elsewhere;
    if (fs::equivalent(entry, dir, ec) && !ec) return BuildEntry::leads_here;
    return BuildEntry::elsewhere;
}

util::Result<HeadersInstall> install_headers(const kernel::Headers& h, const fs::path& prefix,
                                             bool force, const fs::path& modules_root) {
    HeadersInstall out;
    out.release = h.release;
    out.dir = fs::path(kernel::distro_headers_dir(h.release, fs::absolute(prefix).string()))
                  .lexically_normal();
    std::error_code ec;
    bool there = fs::exists(fs::symlink_status(out.dir, ec));
    std::optional<fs::path> aside;
    if (there) {
        auto record = nlohmann::json::parse(
            util::read_if_exists(out.dir / record_name).value_or(""), nullptr, false);
        auto via = record.is_object() ? record.value("via", "") : "";
        if (via == "deb")
            return util::bad_input(
                fmt::format("the package linux-headers-{} owns it", h.release), out.dir.string(),
                "install the new package with `apt install ./<file>.deb` (`wslmod headers deb` "
                "writes it), or remove the package first");
        if (via.empty() && !force)
            return util::bad_input("wslmod did not write this folder", out.dir.string(),
                                   "remove it, or pass --force to replace it");
        if (via == "install" && record.value("headers", "") == entry_of(h)) {
            out.state = "unchanged";
            out.build = build_entry(modules_root, h.release, out.dir);
            return out;
        }
        out.state = "replaced";
    } else {
        out.state = "installed";
        fs::create_directories(out.dir.parent_path(), ec);
        if (ec) return cannot_write(out.dir.parent_path(), ec, h);
    }
    auto building = util::AtomicDir::create(out.dir);
    if (!building)
        return cannot_write(out.dir.parent_path(),
                            std::make_error_code(std::errc::permission_denied), h);
    WSLMOD_CHECK(copy_headers(h, building->path(), "install"));
    if (there) {
        // The old copy goes aside only once the new one is whole, and comes back when the new
        // one cannot take its place.
        aside = out.dir.parent_path() /
                fmt::format(".old-{}.{}", out.dir.filename().string(), ::getpid());
        fs::rename(out.dir, *aside, ec);
        if (ec) return cannot_write(out.dir, ec, h);
    }
    auto committed = building->commit();
    if (!committed) {
        if (aside) fs::rename(*aside, out.dir, ec);
        return tl::unexpected(committed.error());
    }
    if (aside) {
        fs::permissions(*aside, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(*aside, ec);
    }
    out.build = build_entry(modules_root, h.release, out.dir);
    return out;
}

std::string deb_version(const std::string& release, const std::string& entry) {
    auto end = release.find_first_not_of("0123456789.");
    auto upstream = release.substr(0, end);
    while (!upstream.empty() && upstream.back() == '.')
        upstream.pop_back();
    if (upstream.empty()) upstream = "0";
    auto dash = entry.rfind('-');
    auto id = entry.substr(dash == std::string::npos ? 0 : dash + 1, 8);
    return fmt::format("{}-1+{}", upstream, id);
}

util::Result<HeadersDeb> write_headers_deb(const kernel::Headers& h, const fs::path& out_dir,
                                           util::CommandRunner& runner) {
    if (!util::find_program("dpkg-deb"))
        return util::bad_input("dpkg-deb is not installed", "headers deb",
                               "apt install dpkg (it is on every Debian and Ubuntu)");
    HeadersDeb deb;
    deb.package = "linux-headers-" + h.release;
    deb.version = deb_version(h.release, entry_of(h));
    deb.arch = deb_arch(h.srcarch);
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec)
        return util::fail(fmt::format("cannot write there: {}", ec.message()), out_dir.string(),
                          "pass -o with a folder you can write");
    deb.file = fs::absolute(out_dir).lexically_normal() /
               fmt::format("{}_{}_{}.deb", deb.package, deb.version, deb.arch);

    // The package's root, beside the output (same filesystem for the rename, gone on failure).
    auto staging = out_dir / fmt::format(".tmp-deb-{}", ::getpid());
    fs::remove_all(staging, ec);
    util::RemoveOnExit cleanup(staging);
    auto under = fs::path(kernel::distro_headers_dir(h.release, (staging / "usr/src").string()));
    WSLMOD_CHECK(copy_headers(h, under, "deb"));
    fs::create_directories(staging / "DEBIAN", ec);
    deb.installed_kb = (h.bytes + 1023) / 1024 + h.files / 4 + 4;
    auto control = fmt::format(
        "Package: {}\n"
        "Version: {}\n"
        "Architecture: {}\n"
        "Maintainer: wslmod <wslmod@localhost>\n"
        "Section: kernel\n"
        "Priority: optional\n"
        "Installed-Size: {}\n"
        "Provides: linux-headers\n"
        "Description: Kbuild headers for Linux {}\n"
        " The part of the kernel tree that out-of-tree modules and DKMS build against,\n"
        " cut by wslmod from the published config and source, with Module.symvers\n"
        " recovered from the stock kernel.  The modules image wslmod builds links\n"
        " /lib/modules/{}/build to /usr/src/{}.\n",
        deb.package, deb.version, deb.arch, deb.installed_kb, h.release, h.release, deb.package);
    WSLMOD_CHECK(util::write_file(staging / "DEBIAN/control", control));
    fs::permissions(staging, fs::perms(0755), ec);
    fs::permissions(staging / "DEBIAN", fs::perms(0755), ec);

    auto temp = out_dir / fmt::format(".tmp-{}.{}", deb.file.filename().string(), ::getpid());
    util::RemoveOnExit temp_cleanup(temp);
    // gzip: quick to write, and every dpkg reads it.
    auto out = WSLMOD_TRY(runner.run(util::Command(
        {"dpkg-deb", "--root-owner-group", "-Zgzip", "--build", staging.string(), temp.string()})));
    if (out.exit_code != 0)
        return util::fail(fmt::format("dpkg-deb --build failed: {}", out.output),
                          deb.file.string());
    fs::rename(temp, deb.file, ec);
    if (ec)
        return util::fail(fmt::format("cannot rename into place: {}", ec.message()),
                          deb.file.string());
    temp_cleanup.release();
    return deb;
}

} // namespace wslmod::project
