#include "util/sha256.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>

namespace wslmod::util {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr);
}
Sha256::~Sha256() {
    EVP_MD_CTX_free(ctx_);
}

Sha256& Sha256::update(std::span<const std::byte> data) {
    EVP_DigestUpdate(ctx_, data.data(), data.size());
    return *this;
}

Sha256& Sha256::update(std::string_view text) {
    EVP_DigestUpdate(ctx_, text.data(), text.size());
    return *this;
}

Digest Sha256::finish() {
    Digest d{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, reinterpret_cast<unsigned char*>(d.data()), &len);
    return d;
}

std::string to_hex(std::span<const std::byte> digest) {
    std::string out;
    for (auto b : digest)
        out += fmt::format("{:02x}", std::to_integer<unsigned>(b));
    return out;
}

Result<Digest> sha256_file(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(fmt::format("cannot open: {}", strerror(errno)), path.string());
    Sha256 h;
    std::vector<std::byte> buf(1 << 20);
    for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            return fail(fmt::format("read failed: {}", strerror(errno)), path.string());
        }
        if (n == 0) break;
        h.update(std::span(buf.data(), static_cast<size_t>(n)));
    }
    ::close(fd);
    return h.finish();
}

std::string sha256_hex(std::string_view bytes) {
    return to_hex(Sha256().update(bytes).finish());
}

} // namespace wslmod::util
