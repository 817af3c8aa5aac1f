#include "util/xz_file.h"

#include <cstring>

#include <fmt/format.h>
#include <lzma.h>

namespace wslmod::util {

struct XzFile::Stream {
    lzma_stream strm = LZMA_STREAM_INIT;
    ~Stream() { lzma_end(&strm); }
};

XzFile::~XzFile() {
    if (file_) std::fclose(file_);
}

bool is_xz_file(const std::filesystem::path& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    unsigned char magic[6] = {};
    bool xz = std::fread(magic, 1, sizeof magic, f) == sizeof magic &&
              std::memcmp(magic, "\xFD\x37\x7A\x58\x5A\x00", 6) == 0;
    std::fclose(f);
    return xz;
}

Result<std::unique_ptr<XzFile>> XzFile::open(const std::filesystem::path& path, unsigned threads) {
    std::unique_ptr<XzFile> x(new XzFile);
    x->where_ = path.string();
    x->file_ = std::fopen(path.c_str(), "rb");
    if (!x->file_) return fail(fmt::format("cannot open: {}", std::strerror(errno)), x->where_);
    x->s_ = std::make_unique<Stream>();
    lzma_mt mt{};
    mt.flags = LZMA_CONCATENATED; // several streams one after another decode as one, as xz does
    mt.threads = std::max(1u, threads);
    // Above this the decoder falls back to one thread rather than failing; a kernel tarball's
    // blocks (about 24 MB) need a small part of it per thread.
    mt.memlimit_threading = uint64_t{1} << 30;
    mt.memlimit_stop = UINT64_MAX;
    if (auto rc = lzma_stream_decoder_mt(&x->s_->strm, &mt); rc != LZMA_OK)
        return fail(
            fmt::format("cannot start the xz decoder (liblzma error {})", static_cast<int>(rc)),
            x->where_);
    x->in_.resize(1 << 20);
    x->out_.resize(1 << 20);
    return x;
}

Result<std::pair<const std::byte*, size_t>> XzFile::next() {
    auto& strm = s_->strm;
    strm.next_out = reinterpret_cast<uint8_t*>(out_.data());
    strm.avail_out = out_.size();
    while (!finished_ && strm.avail_out == out_.size()) {
        if (strm.avail_in == 0 && !input_done_) {
            auto n = std::fread(in_.data(), 1, in_.size(), file_);
            if (std::ferror(file_))
                return fail(fmt::format("cannot read: {}", std::strerror(errno)), where_);
            input_done_ = n < in_.size();
            strm.next_in = reinterpret_cast<const uint8_t*>(in_.data());
            strm.avail_in = n;
        }
        auto rc = lzma_code(&strm, input_done_ ? LZMA_FINISH : LZMA_RUN);
        if (rc == LZMA_STREAM_END) {
            finished_ = true;
        } else if (rc != LZMA_OK) {
            return bad_input(rc == LZMA_BUF_ERROR
                                 ? std::string("the xz file is truncated")
                                 : fmt::format("the xz file is damaged (liblzma error {})",
                                               static_cast<int>(rc)),
                             where_);
        }
    }
    return std::pair<const std::byte*, size_t>{out_.data(), out_.size() - strm.avail_out};
}

} // namespace wslmod::util
