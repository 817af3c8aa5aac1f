#include "image/image_fs.h"

namespace wslmod::image {

util::Result<ImageFs> open_image_fs(const std::filesystem::path& path) {
    ImageFs o;
    o.disk = WSLMOD_TRY(open_disk_image(path));
    auto fs = Ext4Reader::open(o.disk.device(), path.string());
    if (!fs && o.disk.format == DiskFormat::raw)
        return util::bad_input("not a VHDX or VHD image, nor a raw ext4 filesystem", path.string(),
                               "pass a modules image");
    o.fs = WSLMOD_TRY(std::move(fs));
    return o;
}

} // namespace wslmod::image
