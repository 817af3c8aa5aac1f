#include "image/ext2fs_io.h"

#include <cstdio>
#include <cstring>
#include <optional>

#include <et/com_err.h>
#include <fmt/format.h>

namespace wslmod::image {
namespace {

constexpr const char* prefix = "wslmod-blockdev:";

thread_local std::optional<util::Error> last_error;

errcode_t note(const util::Result<void>& r, errcode_t code) {
    if (r) return 0;
    last_error = r.error();
    return code;
}

BlockDevice* device_of(io_channel channel) {
    return static_cast<BlockDevice*>(channel->private_data);
}

errcode_t bd_open(const char* name, int flags, io_channel* channel) {
    if (!name || std::strncmp(name, prefix, std::strlen(prefix)) != 0)
        return EXT2_ET_BAD_DEVICE_NAME;
    void* ptr = nullptr;
    if (std::sscanf(name + std::strlen(prefix), "%p", &ptr) != 1 || !ptr)
        return EXT2_ET_BAD_DEVICE_NAME;
    io_channel io = nullptr;
    if (errcode_t err = ext2fs_get_memzero(sizeof(struct struct_io_channel), &io)) return err;
    io->magic = EXT2_ET_MAGIC_IO_CHANNEL;
    io->manager = block_device_io_manager();
    if (errcode_t err = ext2fs_get_mem(std::strlen(name) + 1, &io->name)) {
        ext2fs_free_mem(&io);
        return err;
    }
    std::strcpy(io->name, name);
    io->block_size = 1024;
    io->refcount = 1;
    io->flags = flags;
    io->private_data = ptr;
    *channel = io;
    return 0;
}

errcode_t bd_close(io_channel channel) {
    if (--channel->refcount > 0) return 0;
    ext2fs_free_mem(&channel->name);
    ext2fs_free_mem(&channel);
    return 0;
}

errcode_t bd_set_blksize(io_channel channel, int blksize) {
    channel->block_size = blksize;
    return 0;
}

// count > 0 is a number of blocks, count < 0 a number of bytes (libext2fs convention).
uint64_t byte_count(io_channel channel, int count) {
    return count < 0 ? static_cast<uint64_t>(-static_cast<int64_t>(count))
                     : static_cast<uint64_t>(count) * static_cast<uint64_t>(channel->block_size);
}

errcode_t bd_read_blk64(io_channel channel, unsigned long long block, int count, void* data) {
    auto n = byte_count(channel, count);
    auto r = device_of(channel)->pread(block * static_cast<uint64_t>(channel->block_size),
                                       {static_cast<std::byte*>(data), n});
    return note(r, EXT2_ET_SHORT_READ);
}

errcode_t bd_write_blk64(io_channel channel, unsigned long long block, int count,
                         const void* data) {
    auto n = byte_count(channel, count);
    auto r = device_of(channel)->pwrite(block * static_cast<uint64_t>(channel->block_size),
                                        {static_cast<const std::byte*>(data), n});
    return note(r, EXT2_ET_SHORT_WRITE);
}

errcode_t bd_read_blk(io_channel channel, unsigned long block, int count, void* data) {
    return bd_read_blk64(channel, block, count, data);
}

errcode_t bd_write_blk(io_channel channel, unsigned long block, int count, const void* data) {
    return bd_write_blk64(channel, block, count, data);
}

errcode_t bd_write_byte(io_channel channel, unsigned long offset, int count, const void* data) {
    auto r = device_of(channel)->pwrite(
        offset, {static_cast<const std::byte*>(data), static_cast<size_t>(count)});
    return note(r, EXT2_ET_SHORT_WRITE);
}

errcode_t bd_flush(io_channel channel) {
    return note(device_of(channel)->flush(), EXT2_ET_SHORT_WRITE);
}

errcode_t bd_set_option(io_channel, const char*, const char*) {
    return EXT2_ET_INVALID_ARGUMENT;
}

struct struct_io_manager manager = [] {
    struct struct_io_manager m {};
    m.magic = EXT2_ET_MAGIC_IO_MANAGER;
    m.name = "wslmod BlockDevice I/O manager";
    m.open = bd_open;
    m.close = bd_close;
    m.set_blksize = bd_set_blksize;
    m.read_blk = bd_read_blk;
    m.write_blk = bd_write_blk;
    m.flush = bd_flush;
    m.write_byte = bd_write_byte;
    m.set_option = bd_set_option;
    m.read_blk64 = bd_read_blk64;
    m.write_blk64 = bd_write_blk64;
    // No get_stats: s_kbytes_written then stays 0, which keeps images reproducible.
    return m;
}();

} // namespace

io_manager block_device_io_manager() {
    return &manager;
}

std::string device_name(BlockDevice& device) {
    return fmt::format("{}{}", prefix, static_cast<void*>(&device));
}

std::string ext2_error(errcode_t err) {
    if ((err == EXT2_ET_SHORT_READ || err == EXT2_ET_SHORT_WRITE) && last_error) {
        auto msg = last_error->message();
        last_error.reset();
        return msg;
    }
    static const bool registered = [] {
        initialize_ext2_error_table(); // so that error_message() knows libext2fs's codes
        return true;
    }();
    (void)registered;
    const char* msg = error_message(err);
    return msg ? msg : fmt::format("libext2fs error {}", err);
}

} // namespace wslmod::image
