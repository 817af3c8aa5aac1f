#include "image/disk_image.h"

#include <cstring>

#include "image/vhd_reader.h"
#include "image/vhdx_reader.h"

namespace wslmod::image {

std::string to_string(DiskFormat f) {
    switch (f) {
    case DiskFormat::vhd:
        return "vhd";
    case DiskFormat::vhdx:
        return "vhdx";
    case DiskFormat::raw:
        break;
    }
    return "raw";
}

util::Result<DiskFormat> detect_format(BlockDevice& file) {
    std::array<std::byte, 8> magic{};
    if (file.size() >= 8) {
        WSLMOD_CHECK(file.pread(0, magic));
        if (std::memcmp(magic.data(), "vhdxfile", 8) == 0) return DiskFormat::vhdx;
    }
    for (uint64_t footer : {uint64_t{512}, uint64_t{511}}) {
        if (file.size() < footer) continue;
        WSLMOD_CHECK(file.pread(file.size() - footer, magic));
        if (std::memcmp(magic.data(), "conectix", 8) == 0) return DiskFormat::vhd;
    }
    return DiskFormat::raw;
}

util::Result<DiskImage> open_disk_image(const std::filesystem::path& path) {
    DiskImage img;
    img.file = std::make_unique<FileDevice>(WSLMOD_TRY(FileDevice::open_read(path)));
    img.format = WSLMOD_TRY(detect_format(*img.file));
    if (img.format == DiskFormat::vhdx)
        img.disk = WSLMOD_TRY(VhdxReader::open(*img.file, path.string()));
    if (img.format == DiskFormat::vhd)
        img.disk = WSLMOD_TRY(VhdReader::open(*img.file, path.string()));
    return img;
}

} // namespace wslmod::image
