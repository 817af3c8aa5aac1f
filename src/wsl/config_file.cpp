#include "wsl/config_file.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace wslmod::wsl {
namespace fs = std::filesystem;

namespace {

constexpr size_t max_config_bytes = 16u << 20;
constexpr int max_links = 40; // as the kernel's MAXSYMLINKS

// Reads a whole regular file; nullopt when it does not exist.
util::Result<std::optional<std::string>> read_regular(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT) return std::optional<std::string>();
        if (errno == EISDIR)
            return util::bad_input(
                ".wslconfig is a folder, not a file", path.string(),
                "WSL reads %USERPROFILE%\\.wslconfig as a file: move the folder away");
        return util::bad_input(fmt::format("cannot read .wslconfig: {}", std::strerror(errno)),
                               path.string(), "give your user read and write access to it");
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return util::fail(fmt::format("cannot stat .wslconfig: {}", std::strerror(errno)),
                          path.string());
    if (S_ISDIR(st.st_mode))
        return util::bad_input(
            ".wslconfig is a folder, not a file", path.string(),
            "WSL reads %USERPROFILE%\\.wslconfig as a file: move the folder away");
    if (!S_ISREG(st.st_mode))
        return util::bad_input(".wslconfig is not a regular file (a device, pipe or socket)",
                               path.string(), "replace it with a text file");
    if (static_cast<uint64_t>(st.st_size) > max_config_bytes)
        return util::bad_input(
            fmt::format(".wslconfig is {} bytes; WSL's settings file is never this large",
                        st.st_size),
            path.string(), "check that this is the right file");
    std::string bytes(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    for (;;) {
        if (got == bytes.size()) bytes.resize(got + 4096); // it grew since fstat
        auto n = ::read(fd, bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return util::bad_input(fmt::format("cannot read .wslconfig: {}", std::strerror(errno)),
                                   path.string());
        if (n == 0) break;
        got += static_cast<size_t>(n);
        if (got > max_config_bytes)
            return util::bad_input(".wslconfig grew past 16 MiB while being read", path.string(),
                                   "check what writes to it");
    }
    bytes.resize(got);
    return std::optional<std::string>(std::move(bytes));
}

} // namespace

util::Result<fs::path> locate_config(const fs::path& wslconfig) {
    fs::path p = wslconfig;
    for (int i = 0; i <= max_links; ++i) {
        std::error_code ec;
        auto st = fs::symlink_status(p, ec);
        if (ec && ec != std::errc::no_such_file_or_directory)
            return util::bad_input(fmt::format("cannot look at .wslconfig: {}", ec.message()),
                                   p.string());
        if (!fs::is_symlink(st)) {
            if (!fs::is_directory(p.parent_path()))
                return util::bad_input(
                    "the folder .wslconfig goes in does not exist", p.parent_path().string(),
                    p == wslconfig ? "check %USERPROFILE% (WSLMOD_USERPROFILE)"
                                   : "the link " + wslconfig.string() + " points into it");
            return p;
        }
        auto target = fs::read_symlink(p, ec);
        if (ec)
            return util::bad_input(fmt::format("cannot read the link: {}", ec.message()),
                                   p.string());
        p = target.is_absolute() ? target : p.parent_path() / target;
    }
    return util::bad_input(
        fmt::format("the symlinks from .wslconfig go round more than {} times", max_links),
        wslconfig.string(), "point the link at a file");
}

util::Result<ConfigFile> read_config(const fs::path& wslconfig) {
    auto path = WSLMOD_TRY(locate_config(wslconfig));
    auto bytes = WSLMOD_TRY(read_regular(path));
    auto file = WSLMOD_TRY(decode_config(bytes, path));
    file.path = path;
    return file;
}

util::Result<ConfigFile> decode_config(const std::optional<std::string>& bytes,
                                       const fs::path& where) {
    ConfigFile f;
    f.path = where;
    f.bytes = bytes;
    if (!bytes) return f;
    auto decoded = WSLMOD_TRY(decode_text(*bytes, where.string()));
    f.form = decoded.form;
    f.text = std::move(decoded.text);
    if (encode_text(f.text, f.form) != *bytes) // decode_text is lossless; this keeps it honest
        return util::fail(
            fmt::format("wslmod cannot read this {} file back byte for byte", describe(f.form)),
            where.string(), "save it as UTF-8 and try again");
    return f;
}

util::Result<std::string> encode_config(const std::string& text, TextForm form,
                                        const fs::path& where) {
    auto bytes = encode_text(text, form);
    auto back = decode_text(bytes, where.string());
    if (!back || back->text != text || (!(back->form == form) && !bytes.empty()))
        return util::fail(
            fmt::format("the edited .wslconfig would not read back the same in {}", describe(form)),
            where.string(), "save it as UTF-8 and try again");
    return bytes;
}

} // namespace wslmod::wsl
