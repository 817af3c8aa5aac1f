#include "util/file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include <fcntl.h>
#include <unistd.h>

#include <archive.h>
#include <fmt/format.h>

#include "util/beneath.h"
#include "util/fault.h"

namespace wslmod::util {

namespace {

Result<void> write_with(const std::filesystem::path& path, std::string_view data, int flags) {
    if (write_fails(path.string()))
        return fail(fmt::format("cannot write: {} (WSLMOD_FAIL_WRITES)", strerror(ENOSPC)),
                    path.string(), "check free disk space");
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0666);
    if (fd < 0) return fail(fmt::format("cannot write: {}", strerror(errno)), path.string());
    auto written = write_all(fd, data, path.string());
    if (::close(fd) != 0 && written)
        return fail(fmt::format("cannot write: {}", strerror(errno)), path.string(),
                    "check free disk space");
    return written;
}

} // namespace

Result<void> write_file(const std::filesystem::path& path, std::string_view data) {
    return write_with(path, data, O_TRUNC);
}

Result<void> append_file(const std::filesystem::path& path, std::string_view data) {
    return write_with(path, data, O_APPEND);
}

std::optional<std::string> read_if_exists(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), {});
}

Result<std::vector<std::byte>> read_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(fmt::format("cannot open: {}", strerror(errno)), path.string());
    in.seekg(0, std::ios::end);
    auto size = static_cast<size_t>(in.tellg());
    in.seekg(0);
    std::vector<std::byte> data(size);
    if (size > 0 &&
        !in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(size)))
        return fail("read failed", path.string());
    return data;
}

Result<std::string> read_text_decompressed(const std::filesystem::path& path) {
    // libarchive calls an empty file an "Unrecognized archive format"; it is an empty text.
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec) && std::filesystem::file_size(path, ec) == 0 &&
        !ec)
        return std::string{};
    std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
    archive_read_support_filter_all(a.get());
    archive_read_support_format_raw(a.get());
    if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
        return fail(archive_error_string(a.get()) ? archive_error_string(a.get()) : "cannot open",
                    path.string());
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) return std::string{}; // empty file
    if (rc != ARCHIVE_OK) return fail(archive_error_string(a.get()), path.string());
    std::string out;
    char buf[1 << 16];
    for (;;) {
        la_ssize_t got = archive_read_data(a.get(), buf, sizeof buf);
        if (got < 0) return fail(archive_error_string(a.get()), path.string());
        if (got == 0) break;
        out.append(buf, static_cast<size_t>(got));
    }
    return out;
}

} // namespace wslmod::util
