#include "image/file_source.h"

#include "image/disk_image.h"
#include "image/ext4_reader.h"
#include "util/file.h"

namespace wslmod::image {
namespace {

class FolderSource final : public FileSource {
  public:
    explicit FolderSource(std::filesystem::path root) : root_(std::move(root)) {}
    util::Result<std::string> read(const std::string& rel) override {
        auto bytes = WSLMOD_TRY(util::read_bytes(root_ / rel));
        return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
    bool exists(const std::string& rel) override {
        std::error_code ec;
        return std::filesystem::is_regular_file(root_ / rel, ec);
    }
    std::string describe() const override { return root_.string(); }

  private:
    std::filesystem::path root_;
};

class ImageSource final : public FileSource {
  public:
    ImageSource(DiskImage img, std::string path) : img_(std::move(img)), path_(std::move(path)) {}
    util::Result<void> open() {
        fs_ = WSLMOD_TRY(Ext4Reader::open(img_.device(), path_));
        return {};
    }
    util::Result<std::string> read(const std::string& rel) override { return fs_->read_file(rel); }
    bool exists(const std::string& rel) override {
        auto e = fs_->stat(rel);
        return e && e->type == TreeEntry::Type::file;
    }
    std::string describe() const override { return path_; }

  private:
    DiskImage img_;
    std::string path_;
    std::unique_ptr<Ext4Reader> fs_;
};

} // namespace

util::Result<std::unique_ptr<FileSource>> open_file_source(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return std::unique_ptr<FileSource>(new FolderSource(path));
    if (!std::filesystem::exists(path, ec))
        return util::bad_input("no such folder or image", path.string());
    auto img = WSLMOD_TRY(open_disk_image(path));
    auto src = std::make_unique<ImageSource>(std::move(img), path.string());
    WSLMOD_CHECK(src->open());
    return std::unique_ptr<FileSource>(std::move(src));
}

} // namespace wslmod::image
