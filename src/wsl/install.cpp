#include "wsl/install.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <signal.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/atomic_file.h"
#include "util/clock.h"
#include "util/fault.h"
#include "util/file.h"
#include "util/sha256.h"
#include "wsl/config_file.h"
#include "wsl/install_lock.h"
#include "wsl/install_state.h"
#include "wsl/windows.h"
#include "wsl/wslconfig.h"

namespace wslmod::wsl {

util::Result<Target> install_target(const Windows& windows) {
    Target t;
    t.wslconfig = WSLMOD_TRY(windows.wslconfig());
    t.root = WSLMOD_TRY(windows.install_root());
    t.windows_path = [&windows](const std::filesystem::path& p) { return windows.to_windows(p); };
    return t;
}
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* section = "wsl2";

util::Result<std::string> sha_of_file(const fs::path& p) {
    return util::to_hex(WSLMOD_TRY(util::sha256_file(p)));
}

bool same_windows_path(std::string a, std::string b) {
    auto low = [](std::string s) {
        for (auto& c : s)
            c = c == '/' ? '\\' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    return low(std::move(a)) == low(std::move(b));
}

// Writes `data` (or removes the file when nullopt) atomically: the .wslconfig switch.
util::Result<void> write_wslconfig(const fs::path& path, const std::optional<std::string>& data,
                                   const char* step) {
    if (!data) {
        std::error_code ec;
        fs::remove(path, ec);
        if (ec) return util::fail(fmt::format("cannot remove: {}", ec.message()), path.string());
        WSLMOD_CHECK(util::fsync_path(path.parent_path()));
        util::fault_point(step);
        return {};
    }
    auto f = WSLMOD_TRY(util::AtomicFile::create(path));
    WSLMOD_CHECK(util::write_file(f.temp_path(), *data));
    util::fault_point("wslconfig written to a temporary");
    WSLMOD_CHECK(f.commit());
    util::fault_point(step);
    return {};
}

// Copies `from` to `to` through a temporary, fsynced and renamed; a fault point halfway.
util::Result<void> copy_atomically(const fs::path& from, const fs::path& to, const char* half,
                                   const char* done) {
    std::ifstream in(from, std::ios::binary);
    if (!in)
        return util::bad_input(fmt::format("cannot read: {}", std::strerror(errno)), from.string());
    auto size = fs::file_size(from);
    auto f = WSLMOD_TRY(util::AtomicFile::create(to));
    {
        std::ofstream out(f.temp_path(), std::ios::binary);
        std::vector<char> buf(1 << 20);
        uint64_t copied = 0;
        bool halfway = false;
        while (in) {
            in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
            auto n = in.gcount();
            if (n <= 0) break;
            out.write(buf.data(), n);
            copied += static_cast<uint64_t>(n);
            if (!halfway && copied * 2 >= size) {
                out.flush();
                halfway = true;
                util::fault_point(half);
            }
        }
        out.close(); // the last buffered bytes are written here, so the check comes after
        if (!out || copied != size)
            return util::fail("copy failed", to.string(),
                              "check free disk space on the Windows drive");
    }
    WSLMOD_CHECK(f.commit());
    util::fault_point(done);
    return {};
}

util::Result<InstallState> load(const Target& t) {
    auto s = WSLMOD_TRY(read_state_file(t.root));
    auto conf = WSLMOD_TRY(read_config(t.wslconfig)).text;
    s.wslconfig_kernel = get_value(conf, section, "kernel").value_or("");
    s.wslconfig_modules = get_value(conf, section, "kernelModules").value_or("");
    for (size_t i = 0; i < s.generations.size(); ++i)
        if (!s.wslconfig_modules.empty() &&
            same_windows_path(s.generations[i].modules, s.wslconfig_modules))
            s.current = static_cast<int>(i);
    return s;
}

bool is_bad(const InstallState& s, const std::string& image_sha256) {
    return std::any_of(s.bad.begin(), s.bad.end(),
                       [&](const BadImage& b) { return b.image_sha256 == image_sha256; });
}

// Removes `dir`, adding a warning when Windows keeps something in it (a running WSL holds its
// image open).
void remove_folder(const fs::path& dir, std::vector<std::string>& warnings) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec)
        warnings.push_back(fmt::format(
            "could not remove {} ({}); it goes on the next run, or after `wsl --shutdown`",
            dir.string(), ec.message()));
}

// Removes what a killed run left behind and brings state.json in line with .wslconfig.
util::Result<InstallState> recover(const Target& t, std::vector<std::string>& warnings) {
    auto s = WSLMOD_TRY(load(t));
    std::error_code ec;
    auto is_temp = [](const std::string& name) {
        return name.find(".tmp.") != std::string::npos && name[0] == '.';
    };
    if (fs::is_directory(t.root, ec)) {
        for (const auto& e : fs::directory_iterator(t.root, ec)) {
            auto name = e.path().filename().string();
            if (is_temp(name)) fs::remove(e.path(), ec);
            if (!e.is_directory()) continue;
            for (const auto& g : fs::directory_iterator(e.path(), ec))
                if (g.path().extension() == ".partial" || is_temp(g.path().filename().string()))
                    remove_folder(g.path(), warnings);
        }
    }
    auto conf = WSLMOD_TRY(locate_config(t.wslconfig));
    if (fs::is_directory(conf.parent_path(), ec))
        for (const auto& e : fs::directory_iterator(conf.parent_path(), ec))
            if (e.path().filename().string().starts_with("." + conf.filename().string() + ".tmp."))
                fs::remove(e.path(), ec); // util::AtomicFile's temporary
    if (!s.exists) return s;
    // Kept: up to the current generation, applied and not marked bad.  After the current one
    // come only generations rolled back from or never switched to.
    bool changed = false;
    std::vector<Generation> keep;
    for (size_t i = 0; i < s.generations.size(); ++i) {
        auto g = s.generations[i];
        bool is_current = s.current && static_cast<size_t>(*s.current) == i;
        bool after_current = s.current && i > static_cast<size_t>(*s.current);
        if (is_current && !g.applied) {
            g.applied = true; // killed between the switch and the record of it
            changed = true;
        }
        if (!is_current && (!g.applied || after_current || is_bad(s, g.image_sha256))) {
            remove_folder(t.root / g.dir, warnings);
            changed = true;
            continue;
        }
        keep.push_back(g);
    }
    if (changed) {
        s.generations = keep;
        // A forgotten generation's number is free again, so ids stay dense.
        s.next_id = 1;
        for (const auto& g : keep)
            s.next_id = std::max(s.next_id, g.id + 1);
        for (const auto& b : s.bad)
            s.next_id = std::max(s.next_id, b.generation + 1);
        WSLMOD_CHECK(write_state_file(t.root, s));
        s = WSLMOD_TRY(load(t));
    }
    return s;
}

const char* const our_keys[] = {"kernel", "kernelModules", "loadKernelModules"};

// The edit, checked: WSL must read `after` as `before` with exactly `changes` made.
util::Result<void> check_reading(const ConfigFile& f, const std::string& after,
                                 const std::vector<Change>& changes) {
    if (auto why = misread(f.text, after, changes))
        return util::bad_input(
            fmt::format("wslmod cannot change .wslconfig without changing what WSL reads: {}",
                        *why),
            f.path.string(),
            f.text.find('\r') != std::string::npos && f.text.find('\n') == std::string::npos
                ? "its line ends are CR alone, and WSL ends a comment only at LF: save it with "
                  "CRLF line ends"
                : "edit .wslconfig by hand, or report this with the file attached");
    return {};
}

// The bytes WSL should see with `g` installed, from `f` (the file now), in its own form.
util::Result<std::string> with_generation(const ConfigFile& f, const Generation& g,
                                          const std::optional<std::string>& load) {
    auto text = set_value(f.text, section, "kernel", g.kernel);
    text = set_value(text, section, "kernelModules", g.modules);
    std::vector<Change> changes = {{"wsl2.kernel", g.kernel}, {"wsl2.kernelModules", g.modules}};
    if (load) {
        text = set_value(text, section, "loadKernelModules", *load);
        changes.push_back({"wsl2.loadKernelModules", *load});
    }
    WSLMOD_CHECK(check_reading(f, text, changes));
    return encode_config(text, f.form, f.path);
}

// What going back to `before` (saved bytes) writes over `now`: its very bytes when the file now
// differs from it only in wslmod's keys (nothing the user changed is lost), else `now` with only
// wslmod's keys put back as `before` had them, in the form `now` is in.
util::Result<std::optional<std::string>> going_back(const ConfigFile& now,
                                                    const std::optional<std::string>& before,
                                                    const fs::path& saved, bool& byte_identical) {
    auto was = WSLMOD_TRY(decode_config(before, saved));
    std::string text = now.text;
    std::vector<Change> changes;
    for (const char* key : our_keys) {
        auto v = get_value(was.text, section, key);
        text = v ? set_value(text, section, key, *v) : remove_key(text, section, key);
        changes.push_back({fmt::format("{}.{}", section, key), v});
    }
    WSLMOD_CHECK(check_reading(now, text, changes));
    auto bytes = WSLMOD_TRY(encode_config(text, now.bytes ? now.form : was.form, now.path));
    byte_identical = bytes == before.value_or("");
    if (byte_identical) return before;
    return std::optional<std::string>(std::move(bytes));
}

std::optional<std::string> saved_file(const fs::path& file, const fs::path& absent_mark) {
    if (fs::exists(absent_mark)) return std::nullopt;
    return util::read_if_exists(file);
}

util::Result<void> save_marked(const fs::path& file, const fs::path& absent_mark,
                               const std::optional<std::string>& bytes) {
    std::error_code ec;
    if (bytes) {
        fs::remove(absent_mark, ec);
        return util::write_file_atomically(file, *bytes);
    }
    fs::remove(file, ec);
    return util::write_file_atomically(absent_mark, "");
}

// Whether `windows_path` lies below the install root `root` (both Windows paths).
bool below(const std::string& windows_path, const std::string& root) {
    return windows_path.size() > root.size() + 1 &&
           same_windows_path(windows_path.substr(0, root.size() + 1), root + "\\");
}

// Removes a folder this run created when the run fails before it is used: `all` removes it with
// what is in it (an unpublished generation), otherwise only while it is empty (a new install root).
class RemoveIfEmpty {
  public:
    explicit RemoveIfEmpty(fs::path dir, bool all = false) : dir_(std::move(dir)), all_(all) {}
    RemoveIfEmpty(const RemoveIfEmpty&) = delete;
    RemoveIfEmpty& operator=(const RemoveIfEmpty&) = delete;
    ~RemoveIfEmpty() {
        std::error_code ec;
        if (dir_.empty()) return;
        if (all_)
            fs::remove_all(dir_, ec);
        else if (fs::is_directory(dir_, ec) && fs::is_empty(dir_, ec))
            fs::remove(dir_, ec);
    }
    void dismiss() { dir_.clear(); }

  private:
    fs::path dir_;
    bool all_;
};

// Renames, retrying a few times: on Windows a virus scanner or the indexer briefly holds a
// fresh folder open, and the rename fails (microsoft/WSL#12897).
util::Result<void> rename_retrying(const fs::path& from, const fs::path& to) {
    for (int attempt = 0;; ++attempt) {
        if (::rename(from.c_str(), to.c_str()) == 0) return {};
        if (attempt == 10)
            return util::fail(
                fmt::format("cannot rename {} into place: {}", from.filename().string(),
                            std::strerror(errno)),
                to.string(), "a virus scanner may hold the new folder open; try again in a moment");
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

// The generation an install adds, refused when WSL could not read its paths from .wslconfig
// or when it would silently replace the user's own kernel=.
util::Result<Generation> next_generation(const Target& t, const InstallState& s,
                                         const InstallRequest& r, const ConfigFile& conf,
                                         const std::string& image_sha,
                                         const std::string& kernel_sha) {
    Generation g;
    g.id = s.next_id;
    g.release = r.release;
    g.dir = fmt::format("{}/{}", r.release, g.id);
    g.image_sha256 = image_sha;
    g.kernel_sha256 = kernel_sha;
    g.installed_at = util::now_utc();
    g.project = r.project.string();
    auto root_win = WSLMOD_TRY(t.windows_path(t.root));
    g.kernel = fmt::format("{}\\{}\\{}\\kernel", root_win, r.release, g.id);
    g.modules = fmt::format("{}\\{}\\{}\\modules.vhdx", root_win, r.release, g.id);
    if (!is_representable(g.modules))
        return util::bad_input(
            "WSL cannot read this path from .wslconfig (it keeps one byte of each character, so "
            "non-ASCII letters are lost)",
            g.modules, "install elsewhere: set WSLMOD_INSTALL_DIR=C:\\wslmod");
    // A kernel= that wslmod did not write is the user's own kernel: replacing it silently would
    // boot another kernel than they chose.
    auto their_kernel = get_value(conf.text, section, "kernel");
    if (their_kernel && !below(*their_kernel, root_win) && !r.force)
        return util::bad_input(
            fmt::format(".wslconfig already names a kernel wslmod did not install: kernel={}",
                        *their_kernel),
            t.wslconfig.string(),
            fmt::format("the image is for WSL's stock kernel {}; pass --force to "
                        "replace it (`wslmod uninstall` puts it back)",
                        r.release));
    return g;
}

// Once .wslconfig names generation `current`: keeps it and the one rollback returns to (the one
// `before`, the .wslconfig it replaced, names), and removes the other generations' folders.
util::Result<void> keep_current_and_prior(const Target& t, InstallState& s, int current,
                                          const std::string& before, InstallReport& report) {
    std::error_code ec;
    auto prior = get_value(before, section, "kernelModules");
    std::vector<Generation> keep, drop;
    for (auto& x : s.generations) {
        if (x.id == current) x.applied = true;
        bool kept = x.id == current || (prior && same_windows_path(x.modules, *prior));
        (kept ? keep : drop).push_back(x);
    }
    s.generations = keep;
    WSLMOD_CHECK(write_state_file(t.root, s));
    util::fault_point("state marks it applied");
    for (const auto& d : drop) {
        remove_folder(t.root / d.dir, report.warnings);
        report.pruned.push_back(d.dir);
        util::fault_point("old generation pruned");
    }
    for (const auto& e : fs::directory_iterator(t.root, ec))
        if (e.is_directory() && fs::is_empty(e.path(), ec)) fs::remove(e.path(), ec);
    return {};
}

} // namespace

util::Result<InstallState> read_state(const Target& target) {
    return load(target);
}

util::Result<InstallReport> install(const Target& t, const InstallRequest& r) {
    auto image_sha = WSLMOD_TRY(sha_of_file(r.image));
    auto kernel_sha = WSLMOD_TRY(sha_of_file(r.stock_kernel));
    // A .wslconfig wslmod cannot read or write back stops the install before anything is made.
    WSLMOD_CHECK(read_config(t.wslconfig));
    std::error_code ec;
    RemoveIfEmpty new_root(fs::exists(t.root) ? fs::path() : t.root);
    fs::create_directories(t.root, ec);
    if (ec)
        return util::fail(fmt::format("cannot create the install folder: {}", ec.message()),
                          t.root.string());
    auto lock = WSLMOD_TRY(InstallLock::take(t.root));
    InstallReport report;
    auto s = WSLMOD_TRY(recover(t, report.warnings));
    util::fault_point("recovered");

    if (is_bad(s, image_sha) && !r.force) {
        auto bad = *std::find_if(s.bad.begin(), s.bad.end(),
                                 [&](const BadImage& b) { return b.image_sha256 == image_sha; });
        return util::bad_input(
            fmt::format(
                "this image was rolled back from on {} (generation {}), so it is marked bad",
                bad.at, bad.generation),
            r.image.string(), "rebuild it, or pass --force to install it anyway");
    }
    auto conf = WSLMOD_TRY(read_config(t.wslconfig));
    if (s.current) {
        const auto& c = s.generations[static_cast<size_t>(*s.current)];
        bool load_same =
            !r.load_modules || get_value(conf.text, section, "loadKernelModules") == r.load_modules;
        if (c.image_sha256 == image_sha && c.kernel_sha256 == kernel_sha &&
            c.release == r.release && same_windows_path(s.wslconfig_kernel, c.kernel) &&
            load_same) {
            report.generation = c;
            report.unchanged = true;
            return report;
        }
    }

    auto g = WSLMOD_TRY(next_generation(t, s, r, conf, image_sha, kernel_sha));
    WSLMOD_CHECK(
        with_generation(conf, g, r.load_modules)); // can it be edited at all? (before the copies)

    auto final_dir = t.root / g.dir;
    auto partial = fs::path(final_dir.string() + ".partial");
    remove_folder(final_dir, report.warnings); // a leftover of a generation that state.json forgot
    RemoveIfEmpty unpublished(partial, /*all=*/true);
    fs::create_directories(partial, ec);
    if (ec) return util::fail(fmt::format("cannot create: {}", ec.message()), partial.string());
    util::fault_point("generation folder created");
    WSLMOD_CHECK(
        copy_atomically(r.stock_kernel, partial / "kernel", "kernel half copied", "kernel copied"));
    WSLMOD_CHECK(
        copy_atomically(r.image, partial / "modules.vhdx", "image half copied", "image copied"));

    // .wslconfig is read again now, after the long copies, so that edits made meanwhile stay.
    auto now = WSLMOD_TRY(read_config(t.wslconfig));
    const auto& before = now.bytes;
    auto after = WSLMOD_TRY(with_generation(now, g, r.load_modules));
    if (!wsl_reads(now.form))
        report.warnings.push_back(fmt::format(
            "{} is {}, which WSL reads as UTF-8, so WSL sees none of its settings: save "
            "it as UTF-8 or as UTF-16LE with BOM (Notepad: Save as, Encoding)",
            now.path.string(), describe(now.form)));
    if (!s.exists) {
        // Saved while state.json does not exist: a crash before state.json is written leaves
        // .wslconfig untouched, so saving it again on the next run is right.
        WSLMOD_CHECK(
            save_marked(t.root / "original.wslconfig", t.root / "original.absent", before));
        util::fault_point("original saved");
    }
    WSLMOD_CHECK(
        save_marked(partial / "wslconfig.before", partial / "wslconfig.before-absent", before));
    util::fault_point(".wslconfig before saved");
    WSLMOD_CHECK(util::fsync_path(partial));
    WSLMOD_CHECK(rename_retrying(partial, final_dir));
    unpublished.dismiss();
    WSLMOD_CHECK(util::fsync_path(final_dir.parent_path()));
    util::fault_point("generation published");

    g.wslconfig_sha256 = util::sha256_hex(after);
    s.generations.push_back(g);
    s.next_id = g.id + 1;
    if (r.force)
        s.bad.erase(std::remove_if(s.bad.begin(), s.bad.end(),
                                   [&](const BadImage& b) { return b.image_sha256 == image_sha; }),
                    s.bad.end());
    WSLMOD_CHECK(write_state_file(t.root, s));
    util::fault_point("state lists the generation");

    WSLMOD_CHECK(write_wslconfig(now.path, after, ".wslconfig switched"));

    WSLMOD_CHECK(keep_current_and_prior(t, s, g.id, now.text, report));
    report.generation = s.generations.back();
    for (const auto& x : s.generations)
        if (x.id == g.id) report.generation = x;
    return report;
}

std::optional<std::string> stock_kernel_changed(const Windows& windows, const Generation& g) {
    auto tools = windows.tools();
    if (!tools || !fs::exists(*tools / "kernel")) return std::nullopt;
    auto sha = util::sha256_file(*tools / "kernel");
    if (!sha || util::to_hex(*sha) == g.kernel_sha256) return std::nullopt;
    return fmt::format(
        "WSL's stock kernel {} changed since generation {} was installed (a WSL update?)",
        (*tools / "kernel").string(), g.id);
}

util::Result<RollbackReport> rollback(const Target& t) {
    if (!fs::exists(t.root / "state.json"))
        return util::bad_input("nothing to roll back: no wslmod image is installed",
                               t.root.string(), "run `wslmod install` first");
    auto lock = WSLMOD_TRY(InstallLock::take(t.root));
    RollbackReport report;
    auto s = WSLMOD_TRY(recover(t, report.warnings));
    if (s.generations.empty())
        return util::bad_input("nothing to roll back: no wslmod image is installed",
                               t.root.string(), "run `wslmod install` first");
    if (!s.current)
        return util::bad_input(".wslconfig does not name an image wslmod installed, so there is no "
                               "generation to leave",
                               t.wslconfig.string(), "`wslmod install` or `wslmod uninstall`");
    auto ci = static_cast<size_t>(*s.current);
    report.from = s.generations[ci];
    auto gen_dir = t.root / report.from.dir;
    auto before = saved_file(gen_dir / "wslconfig.before", gen_dir / "wslconfig.before-absent");
    // Where rollback goes is what .wslconfig named before this generation: a kept generation,
    // or something that is not wslmod's (the state before the first install).
    auto prior = get_value(before.value_or(""), section, "kernelModules");
    auto root_win = WSLMOD_TRY(t.windows_path(t.root));
    if (prior) {
        for (const auto& g : s.generations)
            if (g.id != report.from.id && same_windows_path(g.modules, *prior)) report.to = g;
        if (!report.to && below(*prior, root_win))
            return util::bad_input(
                "the generation before this one is no longer kept (wslmod keeps two)",
                report.from.dir,
                "`wslmod uninstall` restores the .wslconfig from before the first install");
    }
    auto now = WSLMOD_TRY(read_config(t.wslconfig));
    auto next =
        WSLMOD_TRY(going_back(now, before, gen_dir / "wslconfig.before", report.byte_identical));
    // Marked first: a crash after it and before the switch leaves the image marked but still
    // current; the next rollback finishes the job.
    if (!is_bad(s, report.from.image_sha256))
        s.bad.push_back(
            {report.from.image_sha256, report.from.release, util::now_utc(), report.from.id});
    WSLMOD_CHECK(write_state_file(t.root, s));
    util::fault_point("rollback: image marked bad");
    WSLMOD_CHECK(write_wslconfig(now.path, next, "rollback: .wslconfig switched"));
    s.generations.erase(s.generations.begin() + static_cast<long>(ci));
    WSLMOD_CHECK(write_state_file(t.root, s));
    util::fault_point("rollback: generation forgotten");
    remove_folder(gen_dir, report.warnings);
    return report;
}

util::Result<UninstallReport> uninstall(const Target& t) {
    UninstallReport report;
    if (!fs::exists(t.root))
        return util::bad_input(
            "nothing to uninstall: wslmod has no files here", t.root.string(),
            "WSLMOD_INSTALL_DIR names another install folder, if you set it then");
    std::error_code ec;
    if (!fs::exists(t.root / "state.json")) {
        // What an uninstall killed after removing state.json left: .wslconfig is restored already.
        report.leftovers = true;
        fs::remove_all(t.root, ec);
        if (ec)
            return util::fail(fmt::format("cannot remove wslmod's files: {}", ec.message()),
                              t.root.string(),
                              "run `wsl --shutdown` from Windows so that WSL lets go of the image, "
                              "then uninstall again");
        return report;
    }
    auto lock = WSLMOD_TRY(InstallLock::take(t.root));
    auto s = WSLMOD_TRY(recover(t, report.warnings));
    auto original = saved_file(t.root / "original.wslconfig", t.root / "original.absent");
    if (!original && !fs::exists(t.root / "original.absent"))
        return util::fail("the saved original .wslconfig is missing",
                          (t.root / "original.wslconfig").string(),
                          "edit .wslconfig by hand: remove kernel= and kernelModules= under "
                          "[wsl2], then delete " +
                              t.root.string());
    report.original_absent = !original;
    auto now = WSLMOD_TRY(read_config(t.wslconfig));
    auto next =
        WSLMOD_TRY(going_back(now, original, t.root / "original.wslconfig", report.restored_bytes));
    WSLMOD_CHECK(write_wslconfig(now.path, next, "uninstall: .wslconfig restored"));
    report.generations_removed = static_cast<int>(s.generations.size());
    // state.json goes first: without it the rest is leftovers, which a second uninstall removes.
    fs::remove(t.root / "state.json", ec);
    if (ec)
        return util::fail(fmt::format("cannot remove: {}", ec.message()),
                          (t.root / "state.json").string());
    WSLMOD_CHECK(util::fsync_path(t.root));
    util::fault_point("uninstall: state removed");
    std::vector<std::string> failed;
    for (const auto& e : fs::directory_iterator(t.root, ec)) {
        if (e.path().filename() == ".lock") continue;
        std::error_code one;
        fs::remove_all(e.path(), one);
        if (one) failed.push_back(fmt::format("{} ({})", e.path().string(), one.message()));
        util::fault_point("uninstall: files removed");
    }
    if (!failed.empty())
        return util::fail(fmt::format("cannot remove wslmod's files: {}", fmt::join(failed, ", ")),
                          t.root.string(),
                          "run `wsl --shutdown` from Windows so that WSL lets go of the image, "
                          "then uninstall again");
    { auto released = std::move(lock); }
    fs::remove(t.root, ec);
    return report;
}

} // namespace wslmod::wsl
