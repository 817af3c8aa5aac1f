// BlockDevice: the narrow seam under every disk format.  The VHDX and ext4 writers, the VHDX and
// VHD readers and the ext4 reader all talk to one of these, so their logic is tested on memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::image {

class BlockDevice {
  public:
    virtual ~BlockDevice() = default;
    // Size in bytes.
    virtual uint64_t size() const = 0;
    // Reads exactly out.size() bytes at `offset`; reading past size() is an error.
    virtual util::Result<void> pread(uint64_t offset, std::span<std::byte> out) = 0;
    // Writes `data` at `offset`; read-only devices and writes past size() are errors.
    virtual util::Result<void> pwrite(uint64_t offset, std::span<const std::byte> data) = 0;
    // Makes written data durable (fsync for files).
    virtual util::Result<void> flush() = 0;
    // Sets the size (growing with zeros or holes, or cutting); read-only devices refuse.
    virtual util::Result<void> resize(uint64_t size);
    // A hint that [offset, offset + length) is written for now: a file starts writing it back
    // so that a later flush() has less to wait for.  Does nothing by default.
    virtual void start_writeback(uint64_t /*offset*/, uint64_t /*length*/) {}
};

// A device over a byte vector, for unit tests; `growable` lets writes extend it.
class MemoryDevice final : public BlockDevice {
  public:
    explicit MemoryDevice(std::vector<std::byte> data = {}, bool growable = false)
        : data_(std::move(data)), growable_(growable) {}
    uint64_t size() const override { return data_.size(); }
    util::Result<void> pread(uint64_t offset, std::span<std::byte> out) override;
    util::Result<void> pwrite(uint64_t offset, std::span<const std::byte> data) override;
    util::Result<void> flush() override { return {}; }
    util::Result<void> resize(uint64_t size) override;
    const std::vector<std::byte>& bytes() const { return data_; }
    std::vector<std::byte>& bytes() { return data_; }

  private:
    std::vector<std::byte> data_;
    bool growable_;
};

// A device over a file descriptor.  Writable files grow on write (sparse where never written).
class FileDevice final : public BlockDevice {
  public:
    static util::Result<FileDevice> open_read(const std::filesystem::path& path);
    // Creates (truncating) `path` for writing.
    static util::Result<FileDevice> create(const std::filesystem::path& path);
    FileDevice(FileDevice&& other) noexcept;
    FileDevice& operator=(FileDevice&& other) noexcept;
    ~FileDevice() override;

    uint64_t size() const override { return size_; }
    util::Result<void> pread(uint64_t offset, std::span<std::byte> out) override;
    util::Result<void> pwrite(uint64_t offset, std::span<const std::byte> data) override;
    util::Result<void> flush() override;
    util::Result<void> resize(uint64_t size) override;
    void start_writeback(uint64_t offset, uint64_t length) override;
    const std::filesystem::path& path() const { return path_; }

  private:
    FileDevice(int fd, std::filesystem::path path, uint64_t size, bool writable)
        : fd_(fd), path_(std::move(path)), size_(size), writable_(writable) {}
    int fd_ = -1;
    std::filesystem::path path_;
    uint64_t size_ = 0;
    bool writable_ = false;
};

// True when every byte of `data` is zero.
bool all_zero(std::span<const std::byte> data);

} // namespace wslmod::image
