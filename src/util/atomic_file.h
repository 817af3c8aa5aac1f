// AtomicFile: an output that appears whole or not at all.  Data goes to a temporary file beside
// the destination; commit() fsyncs it, renames it over the destination and fsyncs the folder.
// Without commit(), the destructor removes the temporary and the destination is untouched.
#pragma once

#include <filesystem>
#include <string_view>

#include "util/error.h"

namespace wslmod::util {

class AtomicFile {
  public:
    // Reserves a temporary name beside `destination` (same folder, so rename is atomic).
    static Result<AtomicFile> create(const std::filesystem::path& destination);
    AtomicFile(AtomicFile&& other) noexcept;
    AtomicFile& operator=(AtomicFile&&) = delete;
    ~AtomicFile();

    // Where to write the data (the temporary file, already created and empty).
    const std::filesystem::path& temp_path() const { return temp_; }
    const std::filesystem::path& destination() const { return destination_; }
    // Publishes the temporary as the destination.  If `keep_previous` names a path, an existing
    // destination is first hard-linked there (e.g. "<name>.prev").
    Result<void> commit(const std::filesystem::path& keep_previous = {});

  private:
    AtomicFile(std::filesystem::path destination, std::filesystem::path temp)
        : destination_(std::move(destination)), temp_(std::move(temp)) {}
    std::filesystem::path destination_, temp_;
    bool committed_ = false;
};

// Writes `data` to `path` through an AtomicFile: the old contents, or the new ones whole.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view data);

// fsyncs a file or folder by path.
Result<void> fsync_path(const std::filesystem::path& path);

} // namespace wslmod::util
