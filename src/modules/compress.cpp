#include "modules/compress.h"

#include <memory>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <lzma.h>

namespace wslmod::modules {
namespace {

util::Result<std::vector<std::byte>> xz(std::span<const std::byte> in) {
    lzma_options_lzma lz{};
    if (lzma_lzma_preset(&lz, LZMA_PRESET_DEFAULT))
        return util::fail("liblzma has no default preset");
    lz.dict_size = 1u << 20; // --lzma2=dict=1MiB, as Kbuild passes
    lzma_filter filters[] = {{LZMA_FILTER_LZMA2, &lz}, {LZMA_VLI_UNKNOWN, nullptr}};
    std::vector<std::byte> out(lzma_stream_buffer_bound(in.size()));
    size_t pos = 0;
    auto rc = lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC32, nullptr,
                                        reinterpret_cast<const uint8_t*>(in.data()), in.size(),
                                        reinterpret_cast<uint8_t*>(out.data()), &pos, out.size());
    if (rc != LZMA_OK)
        return util::fail(
            fmt::format("xz compression failed (liblzma error {})", static_cast<int>(rc)));
    out.resize(pos);
    return out;
}

struct ArchiveDeleter {
    void operator()(archive* a) const { archive_write_free(a); }
};

util::Result<std::vector<std::byte>> with_libarchive(std::span<const std::byte> in, Compression c) {
    std::unique_ptr<archive, ArchiveDeleter> a(archive_write_new());
    auto check = [&](int rc, const char* what) -> util::Result<void> {
        if (rc == ARCHIVE_OK) return {};
        const char* msg = archive_error_string(a.get());
        return util::fail(
            fmt::format("{} failed: {}", what, msg ? msg : "unknown libarchive error"));
    };
    WSLMOD_CHECK(check(archive_write_set_format_raw(a.get()), "raw format"));
    if (c == Compression::gzip) {
        WSLMOD_CHECK(check(archive_write_add_filter_gzip(a.get()), "gzip filter"));
        // No timestamp in the gzip header: identical input, identical bytes.
        WSLMOD_CHECK(check(archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr),
                           "gzip !timestamp"));
    } else {
        WSLMOD_CHECK(check(archive_write_add_filter_zstd(a.get()), "zstd filter"));
    }
    WSLMOD_CHECK(check(archive_write_set_bytes_in_last_block(a.get(), 1), "unpadded output"));
    // Generous bound: incompressible input plus headers.
    std::vector<std::byte> out(in.size() + in.size() / 8 + 4096);
    size_t used = 0;
    WSLMOD_CHECK(check(archive_write_open_memory(a.get(), out.data(), out.size(), &used), "open"));
    auto* entry = archive_entry_new();
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_size(entry, static_cast<la_int64_t>(in.size()));
    int rc = archive_write_header(a.get(), entry);
    archive_entry_free(entry);
    WSLMOD_CHECK(check(rc, "header"));
    if (archive_write_data(a.get(), in.data(), in.size()) != static_cast<la_ssize_t>(in.size()))
        return util::fail(
            fmt::format("{} compression failed: {}", to_string(c), archive_error_string(a.get())));
    WSLMOD_CHECK(check(archive_write_close(a.get()), "close"));
    out.resize(used);
    return out;
}

} // namespace

util::Result<Compression> compression_from_string(const std::string& name) {
    if (name == "none") return Compression::none;
    if (name == "gzip") return Compression::gzip;
    if (name == "xz") return Compression::xz;
    if (name == "zstd") return Compression::zstd;
    return util::bad_input(fmt::format("unknown module compression '{}'", name), name,
                           "use none, gzip, xz or zstd");
}

std::string to_string(Compression c) {
    switch (c) {
    case Compression::gzip:
        return "gzip";
    case Compression::xz:
        return "xz";
    case Compression::zstd:
        return "zstd";
    case Compression::none:
        break;
    }
    return "none";
}

std::string suffix(Compression c) {
    switch (c) {
    case Compression::gzip:
        return ".gz";
    case Compression::xz:
        return ".xz";
    case Compression::zstd:
        return ".zst";
    case Compression::none:
        break;
    }
    return "";
}

util::Result<std::vector<std::byte>> compress(std::span<const std::byte> elf, Compression c) {
    if (c == Compression::none) return std::vector<std::byte>(elf.begin(), elf.end());
    if (c == Compression::xz) return xz(elf);
    return with_libarchive(elf, c);
}

} // namespace wslmod::modules
