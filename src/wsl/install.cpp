#include "wsl/install.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/atomic_file.h"
#include "util/fault.h"
#include "util/sha256.h"
#include "wsl/wslconfig.h"

namespace wslmod::wsl {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* format_name = "wslmod-install-1";
constexpr const char* section = "wsl2";

std::string now_utc() {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::optional<std::string> read_if_exists(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string sha_of(std::string_view bytes) { return util::to_hex(util::Sha256().update(bytes).finish()); }

util::Result<std::string> sha_of_file(const fs::path& p) { return util::to_hex(WSLMOD_TRY(util::sha256_file(p))); }

bool same_windows_path(std::string a, std::string b) {
    auto low = [](std::string s) {
        for (auto& c : s) c = c == '/' ? '\\' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    return low(std::move(a)) == low(std::move(b));
}

json to_json(const InstallState& s) {
    json gens = json::array(), bad = json::array();
    for (const auto& g : s.generations)
        gens.push_back({{"id", g.id}, {"release", g.release}, {"dir", g.dir}, {"image_sha256", g.image_sha256},
                        {"kernel_sha256", g.kernel_sha256}, {"kernel", g.kernel}, {"modules", g.modules},
                        {"wslconfig_sha256", g.wslconfig_sha256}, {"applied", g.applied},
                        {"installed_at", g.installed_at}});
    for (const auto& b : s.bad)
        bad.push_back({{"image_sha256", b.image_sha256}, {"release", b.release}, {"generation", b.generation}, {"at", b.at}});
    return {{"format", format_name}, {"generations", gens}, {"bad", bad}, {"next_id", s.next_id}};
}

util::Result<void> write_state(const Target& t, const InstallState& s) {
    return util::write_file_atomically(t.root / "state.json", to_json(s).dump(2) + "\n");
}

// Writes `data` (or removes the file when nullopt) atomically: the .wslconfig switch.
util::Result<void> write_wslconfig(const fs::path& path, const std::optional<std::string>& data, const char* step) {
    if (!data) {
        std::error_code ec;
        fs::remove(path, ec);
        if (ec) return util::fail(fmt::format("cannot remove: {}", ec.message()), path.string());
        WSLMOD_CHECK(util::fsync_path(path.parent_path()));
        util::fault_point(step);
        return {};
    }
    auto f = WSLMOD_TRY(util::AtomicFile::create(path));
    {
        std::ofstream out(f.temp_path(), std::ios::binary);
        out.write(data->data(), static_cast<std::streamsize>(data->size()));
        if (!out) return util::fail("write failed", f.temp_path().string(), "check free disk space");
    }
    util::fault_point("wslconfig written to a temporary");
    WSLMOD_CHECK(f.commit());
    util::fault_point(step);
    return {};
}

// Copies `from` to `to` through a temporary, fsynced and renamed; a fault point halfway.
util::Result<void> copy_atomically(const fs::path& from, const fs::path& to, const char* half, const char* done) {
    std::ifstream in(from, std::ios::binary);
    if (!in) return util::bad_input(fmt::format("cannot read: {}", std::strerror(errno)), from.string());
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
        if (!out || copied != size)
            return util::fail("copy failed", to.string(), "check free disk space on the Windows drive");
    }
    WSLMOD_CHECK(f.commit());
    util::fault_point(done);
    return {};
}

util::Result<InstallState> load(const Target& t) {
    InstallState s;
    auto text = read_if_exists(t.root / "state.json");
    if (text) {
        json j;
        try {
            j = json::parse(*text);
        } catch (const std::exception& e) {
            return util::fail(fmt::format("install state is not JSON: {}", e.what()), (t.root / "state.json").string(),
                              "`wslmod uninstall --forget` drops wslmod's install records");
        }
        if (j.value("format", "") != format_name)
            return util::fail("install state has an unknown format", (t.root / "state.json").string(),
                              "a newer wslmod wrote it; use that one");
        s.exists = true;
        s.next_id = j.value("next_id", 1);
        for (const auto& g : j.value("generations", json::array())) {
            Generation x;
            x.id = g.value("id", 0);
            x.release = g.value("release", "");
            x.dir = g.value("dir", "");
            x.image_sha256 = g.value("image_sha256", "");
            x.kernel_sha256 = g.value("kernel_sha256", "");
            x.kernel = g.value("kernel", "");
            x.modules = g.value("modules", "");
            x.wslconfig_sha256 = g.value("wslconfig_sha256", "");
            x.applied = g.value("applied", false);
            x.installed_at = g.value("installed_at", "");
            s.generations.push_back(x);
        }
        for (const auto& b : j.value("bad", json::array()))
            s.bad.push_back({b.value("image_sha256", ""), b.value("release", ""), b.value("at", ""), b.value("generation", 0)});
    }
    auto conf = read_if_exists(t.wslconfig).value_or("");
    s.wslconfig_kernel = get_value(conf, section, "kernel").value_or("");
    s.wslconfig_modules = get_value(conf, section, "kernelModules").value_or("");
    for (size_t i = 0; i < s.generations.size(); ++i)
        if (!s.wslconfig_modules.empty() && same_windows_path(s.generations[i].modules, s.wslconfig_modules))
            s.current = static_cast<int>(i);
    return s;
}

// Removes what a killed run left behind and brings state.json in line with .wslconfig.
util::Result<InstallState> recover(const Target& t) {
    auto s = WSLMOD_TRY(load(t));
    std::error_code ec;
    auto is_temp = [](const std::string& name) { return name.find(".tmp.") != std::string::npos && name[0] == '.'; };
    if (fs::is_directory(t.root, ec)) {
        for (const auto& e : fs::directory_iterator(t.root, ec)) {
            auto name = e.path().filename().string();
            if (is_temp(name)) fs::remove(e.path(), ec);
            if (!e.is_directory()) continue;
            for (const auto& g : fs::directory_iterator(e.path(), ec))
                if (g.path().extension() == ".partial" || is_temp(g.path().filename().string()))
                    fs::remove_all(g.path(), ec);
        }
    }
    if (fs::is_directory(t.wslconfig.parent_path(), ec))
        for (const auto& e : fs::directory_iterator(t.wslconfig.parent_path(), ec))
            if (e.path().filename().string().starts_with("." + t.wslconfig.filename().string() + ".tmp."))
                fs::remove(e.path(), ec); // util::AtomicFile's temporary
    if (!s.exists) return s;
    bool changed = false;
    std::vector<Generation> keep;
    for (size_t i = 0; i < s.generations.size(); ++i) {
        auto g = s.generations[i];
        bool is_current = s.current && static_cast<size_t>(*s.current) == i;
        if (is_current && !g.applied) {
            g.applied = true; // killed between the switch and the record of it
            changed = true;
        }
        if (!g.applied) { // listed, never switched to
            fs::remove_all(t.root / g.dir, ec);
            changed = true;
            continue;
        }
        keep.push_back(g);
    }
    if (changed) {
        s.generations = keep;
        // A forgotten generation's number is free again, so ids stay dense.
        s.next_id = 1;
        for (const auto& g : keep) s.next_id = std::max(s.next_id, g.id + 1);
        for (const auto& b : s.bad) s.next_id = std::max(s.next_id, b.generation + 1);
        WSLMOD_CHECK(write_state(t, s));
        s = WSLMOD_TRY(load(t));
    }
    return s;
}

// The text WSL should see with `g` installed, from `current` (the file's bytes now).
std::string with_generation(std::string_view current, const Generation& g, const std::optional<std::string>& load) {
    auto text = set_value(current, section, "kernel", g.kernel);
    text = set_value(text, section, "kernelModules", g.modules);
    if (load) text = set_value(text, section, "loadKernelModules", *load);
    return text;
}

// `text` with wslmod's keys as they are in `before` (set, or removed when absent there).
std::string keys_as_in(std::string_view text, std::string_view before) {
    std::string out(text);
    for (const char* key : {"kernel", "kernelModules", "loadKernelModules"}) {
        auto v = get_value(before, section, key);
        out = v ? set_value(out, section, key, *v) : remove_key(out, section, key);
    }
    return out;
}

std::optional<std::string> saved_file(const fs::path& file, const fs::path& absent_mark) {
    if (fs::exists(absent_mark)) return std::nullopt;
    return read_if_exists(file);
}

util::Result<void> save_marked(const fs::path& file, const fs::path& absent_mark, const std::optional<std::string>& bytes) {
    std::error_code ec;
    if (bytes) {
        fs::remove(absent_mark, ec);
        return util::write_file_atomically(file, *bytes);
    }
    fs::remove(file, ec);
    return util::write_file_atomically(absent_mark, "");
}

} // namespace

util::Result<InstallState> read_state(const Target& target) { return load(target); }

util::Result<InstallReport> install(const Target& t, const InstallRequest& r) {
    auto image_sha = WSLMOD_TRY(sha_of_file(r.image));
    auto kernel_sha = WSLMOD_TRY(sha_of_file(r.stock_kernel));
    std::error_code ec;
    fs::create_directories(t.root, ec);
    if (ec) return util::fail(fmt::format("cannot create the install folder: {}", ec.message()), t.root.string());
    if (!fs::is_directory(t.wslconfig.parent_path()))
        return util::bad_input("the folder of .wslconfig does not exist", t.wslconfig.parent_path().string(),
                               "check %USERPROFILE% (WSLMOD_USERPROFILE)");
    auto s = WSLMOD_TRY(recover(t));
    util::fault_point("recovered");

    auto bad = std::find_if(s.bad.begin(), s.bad.end(), [&](const BadImage& b) { return b.image_sha256 == image_sha; });
    if (bad != s.bad.end() && !r.force)
        return util::bad_input(fmt::format("this image was rolled back from on {} (generation {}), so it is marked bad",
                                           bad->at, bad->generation),
                               r.image.string(), "rebuild it, or pass --force to install it anyway");
    if (s.current) {
        const auto& c = s.generations[static_cast<size_t>(*s.current)];
        auto conf = read_if_exists(t.wslconfig).value_or("");
        bool load_same = !r.load_modules || get_value(conf, section, "loadKernelModules") == r.load_modules;
        if (c.image_sha256 == image_sha && c.kernel_sha256 == kernel_sha && c.release == r.release &&
            same_windows_path(s.wslconfig_kernel, c.kernel) && load_same)
            return InstallReport{c, true, {}};
    }

    // The .wslconfig before any install: saved once, while state.json does not exist yet (a
    // crash before state.json is written leaves .wslconfig untouched, so saving again is right).
    auto before = read_if_exists(t.wslconfig);
    if (before && is_utf16(*before))
        return util::bad_input(".wslconfig is UTF-16, which wslmod cannot edit byte for byte", t.wslconfig.string(),
                               "save it as UTF-8 (Notepad: Save as, Encoding UTF-8), then install again");
    if (!s.exists) {
        WSLMOD_CHECK(save_marked(t.root / "original.wslconfig", t.root / "original.absent", before));
        util::fault_point("original saved");
    }

    Generation g;
    g.id = s.next_id;
    g.release = r.release;
    g.dir = fmt::format("{}/{}", r.release, g.id);
    g.image_sha256 = image_sha;
    g.kernel_sha256 = kernel_sha;
    g.installed_at = now_utc();
    auto final_dir = t.root / g.dir;
    auto partial = fs::path(final_dir.string() + ".partial");
    fs::remove_all(final_dir, ec); // a leftover of a generation that state.json forgot
    fs::create_directories(partial, ec);
    if (ec) return util::fail(fmt::format("cannot create: {}", ec.message()), partial.string());
    util::fault_point("generation folder created");
    WSLMOD_CHECK(copy_atomically(r.stock_kernel, partial / "kernel", "kernel half copied", "kernel copied"));
    WSLMOD_CHECK(copy_atomically(r.image, partial / "modules.vhdx", "image half copied", "image copied"));
    WSLMOD_CHECK(save_marked(partial / "wslconfig.before", partial / "wslconfig.before-absent", before));
    util::fault_point(".wslconfig before saved");
    WSLMOD_CHECK(util::fsync_path(partial));
    if (::rename(partial.c_str(), final_dir.c_str()) != 0)
        return util::fail(fmt::format("cannot rename into place: {}", std::strerror(errno)), final_dir.string());
    WSLMOD_CHECK(util::fsync_path(final_dir.parent_path()));
    util::fault_point("generation published");

    g.kernel = WSLMOD_TRY(t.windows_path(final_dir / "kernel"));
    g.modules = WSLMOD_TRY(t.windows_path(final_dir / "modules.vhdx"));
    if (!is_representable(g.kernel) || !is_representable(g.modules))
        return util::bad_input("WSL cannot read this path from .wslconfig (it keeps one byte of each character, so "
                               "non-ASCII letters are lost)", g.modules, "install elsewhere: set WSLMOD_INSTALL_DIR=C:\\wslmod");
    auto after = with_generation(before.value_or(""), g, r.load_modules);
    g.wslconfig_sha256 = sha_of(after);
    s.generations.push_back(g);
    s.next_id = g.id + 1;
    if (bad != s.bad.end()) s.bad.erase(bad); // --force
    WSLMOD_CHECK(write_state(t, s));
    util::fault_point("state lists the generation");

    WSLMOD_CHECK(write_wslconfig(t.wslconfig, after, ".wslconfig switched"));

    s.generations.back().applied = true;
    // Keep the current and the previous applied generation; older ones go.
    InstallReport report{s.generations.back(), false, {}};
    std::vector<Generation> keep, drop;
    for (size_t i = 0; i < s.generations.size(); ++i)
        (i + 2 >= s.generations.size() ? keep : drop).push_back(s.generations[i]);
    s.generations = keep;
    WSLMOD_CHECK(write_state(t, s));
    util::fault_point("state marks it applied");
    for (const auto& d : drop) {
        fs::remove_all(t.root / d.dir, ec);
        report.pruned.push_back(d.dir);
        util::fault_point("old generation pruned");
    }
    for (const auto& e : fs::directory_iterator(t.root, ec))
        if (e.is_directory() && fs::is_empty(e.path(), ec)) fs::remove(e.path(), ec);
    return report;
}

util::Result<RollbackReport> rollback(const Target& t) {
    auto s = WSLMOD_TRY(recover(t));
    if (!s.exists || s.generations.empty())
        return util::bad_input("nothing to roll back: no wslmod image is installed", t.root.string(),
                               "run `wslmod install` first");
    if (!s.current)
        return util::bad_input(".wslconfig does not name an image wslmod installed, so there is no generation to leave",
                               t.wslconfig.string(), "`wslmod install` or `wslmod uninstall`");
    auto ci = static_cast<size_t>(*s.current);
    RollbackReport report;
    report.from = s.generations[ci];
    if (ci > 0) report.to = s.generations[ci - 1];
    auto gen_dir = t.root / report.from.dir;
    auto before = saved_file(gen_dir / "wslconfig.before", gen_dir / "wslconfig.before-absent");
    if (!report.to) {
        // The first kept generation: its "before" names an older wslmod generation only when
        // that one was pruned, and going back to it would name files that are gone.
        auto prior = get_value(before.value_or(""), section, "kernelModules");
        auto root = WSLMOD_TRY(t.windows_path(t.root));
        if (prior && prior->size() > root.size() && same_windows_path(prior->substr(0, root.size() + 1), root + "\\"))
            return util::bad_input("no earlier generation is kept (wslmod keeps two)", report.from.dir,
                                   "`wslmod uninstall` restores the .wslconfig from before the first install");
    }
    auto now = read_if_exists(t.wslconfig);
    std::optional<std::string> next;
    if (now && sha_of(*now) == report.from.wslconfig_sha256) {
        next = before; // untouched since the install: the previous file, byte for byte
    } else {
        report.byte_identical = false;
        auto text = keys_as_in(now.value_or(""), before.value_or(""));
        if (report.to) {
            text = set_value(text, section, "kernel", report.to->kernel);
            text = set_value(text, section, "kernelModules", report.to->modules);
        }
        next = text;
    }
    // Mark first: a crash after it and before the switch leaves the image marked but still
    // current, which the next rollback finishes.
    s.bad.push_back({report.from.image_sha256, report.from.release, now_utc(), report.from.id});
    WSLMOD_CHECK(write_state(t, s));
    util::fault_point("rollback: image marked bad");
    WSLMOD_CHECK(write_wslconfig(t.wslconfig, next, "rollback: .wslconfig switched"));
    s.generations.erase(s.generations.begin() + static_cast<long>(ci), s.generations.end());
    WSLMOD_CHECK(write_state(t, s));
    std::error_code ec;
    fs::remove_all(gen_dir, ec);
    return report;
}

util::Result<UninstallReport> uninstall(const Target& t) {
    auto s = WSLMOD_TRY(recover(t));
    if (!s.exists)
        return util::bad_input("nothing to uninstall: wslmod has not installed anything here", t.root.string(), "");
    UninstallReport report;
    auto original = saved_file(t.root / "original.wslconfig", t.root / "original.absent");
    if (!original && !fs::exists(t.root / "original.absent"))
        return util::fail("the saved original .wslconfig is missing", (t.root / "original.wslconfig").string(),
                          "edit .wslconfig by hand: remove kernel= and kernelModules= under [wsl2]");
    report.original_absent = !original;
    auto now = read_if_exists(t.wslconfig);
    bool untouched = (!now && s.generations.empty()) ||
                     (now && s.current && sha_of(*now) == s.generations[static_cast<size_t>(*s.current)].wslconfig_sha256) ||
                     (now && original && *now == *original) || (!now && !original);
    std::optional<std::string> next = original;
    if (!untouched) {
        report.restored_bytes = false;
        next = keys_as_in(now.value_or(""), original.value_or(""));
    }
    WSLMOD_CHECK(write_wslconfig(t.wslconfig, next, "uninstall: .wslconfig restored"));
    report.generations_removed = static_cast<int>(s.generations.size());
    std::error_code ec;
    // state.json goes last, so a failed removal (an image a running WSL holds open) can be retried.
    for (const auto& e : fs::directory_iterator(t.root, ec))
        if (e.path().filename() != "state.json" && e.path().filename() != "original.wslconfig" &&
            e.path().filename() != "original.absent")
            fs::remove_all(e.path(), ec);
    if (ec)
        return util::fail(fmt::format("cannot remove wslmod's files: {}", ec.message()), t.root.string(),
                          "run `wsl --shutdown` from Windows so that WSL lets go of the image, then uninstall again");
    fs::remove(t.root / "original.wslconfig", ec);
    fs::remove(t.root / "original.absent", ec);
    fs::remove(t.root / "state.json", ec);
    fs::remove(t.root, ec);
    return report;
}

} // namespace wslmod::wsl
