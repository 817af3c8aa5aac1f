#include "image/block_device.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace wslmod::image {
namespace {

util::Result<void> out_of_range(uint64_t offset, size_t n, uint64_t size, const std::string& what) {
    return util::fail(
        fmt::format("access of {} bytes at offset {} is past the end ({} bytes)", n, offset, size),
        what);
}

bool fits(uint64_t offset, size_t n, uint64_t size) {
    return offset <= size && n <= size - offset;
}

} // namespace

bool all_zero(std::span<const std::byte> data) {
    // Word-at-a-time scan; this runs over every block written to an image.
    size_t i = 0;
    for (; i + 8 <= data.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, data.data() + i, 8);
        if (w) return false;
    }
    for (; i < data.size(); ++i)
        if (data[i] != std::byte{0}) return false;
    return true;
}

util::Result<void> BlockDevice::resize(uint64_t) {
    return util::fail("device cannot be resized");
}

util::Result<void> MemoryDevice::resize(uint64_t size) {
    if (!growable_) return util::fail("memory device is fixed-size");
    data_.resize(size);
    return {};
}

util::Result<void> MemoryDevice::pread(uint64_t offset, std::span<std::byte> out) {
    if (!fits(offset, out.size(), data_.size()))
        return out_of_range(offset, out.size(), data_.size(), "memory device");
    std::copy_n(data_.begin() + static_cast<ptrdiff_t>(offset), out.size(), out.begin());
    return {};
}

util::Result<void> MemoryDevice::pwrite(uint64_t offset, std::span<const std::byte> data) {
    if (!fits(offset, data.size(), data_.size())) {
        if (!growable_) return out_of_range(offset, data.size(), data_.size(), "memory device");
        data_.resize(offset + data.size());
    }
    std::copy(data.begin(), data.end(), data_.begin() + static_cast<ptrdiff_t>(offset));
    return {};
}

util::Result<FileDevice> FileDevice::open_read(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return util::fail(fmt::format("cannot open: {}", strerror(errno)), path.string());
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return util::bad_input("not a regular file", path.string());
    }
    return FileDevice(fd, path, static_cast<uint64_t>(st.st_size), false);
}

util::Result<FileDevice> FileDevice::create(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return util::fail(fmt::format("cannot create: {}", strerror(errno)), path.string());
    return FileDevice(fd, path, 0, true);
}

FileDevice::FileDevice(FileDevice&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)), size_(o.size_),
      writable_(o.writable_) {}

FileDevice& FileDevice::operator=(FileDevice&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(o.fd_, -1);
        path_ = std::move(o.path_);
        size_ = o.size_;
        writable_ = o.writable_;
    }
    return *this;
}

FileDevice::~FileDevice() {
    if (fd_ >= 0) ::close(fd_);
}

util::Result<void> FileDevice::pread(uint64_t offset, std::span<std::byte> out) {
    if (!fits(offset, out.size(), size_))
        return out_of_range(offset, out.size(), size_, path_.string());
    size_t done = 0;
    while (done < out.size()) {
        ssize_t n =
            ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            return util::fail(fmt::format("read failed at offset {}: {}", offset + done,
                                          n == 0 ? "unexpected end of file" : strerror(errno)),
                              path_.string());
        done += static_cast<size_t>(n);
    }
    return {};
}

util::Result<void> FileDevice::pwrite(uint64_t offset, std::span<const std::byte> data) {
    if (!writable_) return util::fail("device is read-only", path_.string());
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done,
                             static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return util::fail(
                fmt::format("write failed at offset {}: {}", offset + done, strerror(errno)),
                path_.string(), "check free disk space");
        done += static_cast<size_t>(n);
    }
    size_ = std::max<uint64_t>(size_, offset + data.size());
    return {};
}

util::Result<void> FileDevice::flush() {
    if (writable_ && ::fsync(fd_) != 0)
        return util::fail(fmt::format("fsync failed: {}", strerror(errno)), path_.string());
    return {};
}

util::Result<void> FileDevice::resize(uint64_t size) {
    if (!writable_) return util::fail("device is read-only", path_.string());
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
        return util::fail(fmt::format("cannot resize: {}", strerror(errno)), path_.string());
    size_ = size;
    return {};
}

void FileDevice::start_writeback(uint64_t offset, uint64_t length) {
    // Asynchronous: queues the pages for writeback and returns (Linux sync_file_range).
    if (writable_)
        ::sync_file_range(fd_, static_cast<off_t>(offset), static_cast<off_t>(length),
                          SYNC_FILE_RANGE_WRITE);
}

} // namespace wslmod::image
