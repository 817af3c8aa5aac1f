// Writing below a folder from names that came from untrusted input: an image's directory
// entries, a tar's member paths, a manifest's paths, recipe names.  The policy, in one place:
//   - a name is one component: not empty, not "." or "..", no '/' and no NUL;
//   - every write goes through the parent folder's descriptor (mkdirat, openat, symlinkat) with
//     O_NOFOLLOW, and a folder is opened with O_DIRECTORY | O_NOFOLLOW, so neither a ".." nor a
//     symlink that the same input planted earlier can lead a write outside the root.
// Written by hand because no library on the stack offers it: libarchive's
// ARCHIVE_EXTRACT_SECURE_* flags check paths by string, which races with the links it creates
// itself, and std::filesystem has no descriptor-relative calls.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "util/error.h"

namespace wslmod::util {

// Is `name` a single path component (see above)?
bool is_component(std::string_view name);

// `text` as an error message may quote it: at most `max` bytes, with control bytes and
// non-ASCII bytes escaped as \xNN, and "..." after a cut, so that hostile input can neither
// flood a terminal nor forge lines.
std::string quoted(std::string_view text, size_t max = 200);

// An error for a name that is not a component, naming `where` (the input and the entry's place).
Result<void> check_component(std::string_view name, const std::string& where);

// A file descriptor that closes itself.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(o.release()) {}
    Fd& operator=(Fd&& o) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd();
    int get() const { return fd_; }
    int release() {
        int f = fd_;
        fd_ = -1;
        return f;
    }

  private:
    int fd_ = -1;
};

// Writes all of `data` to `fd`, naming `where` in the error.
Result<void> write_all(int fd, std::string_view data, const std::string& where);

// An open folder that writes happen below, one component at a time.
class Beneath {
  public:
    // Opens `path`, the trusted root, which must be a folder (it may be reached through links:
    // the caller chose it).
    static Result<Beneath> open(const std::filesystem::path& path);

    // Creates the folder `name` (mode 0700; set_mode later) and opens it, refusing a symlink.
    Result<Beneath> make_dir(std::string_view name) const;
    // Opens the existing folder `name`, refusing a symlink.
    Result<Beneath> open_dir(std::string_view name) const;
    // Creates the new regular file `name` for writing (O_EXCL, O_NOFOLLOW), mode 0600.
    Result<Fd> create_file(std::string_view name) const;
    // Creates the symlink `name` -> `target`.  The target is stored as given: it is never
    // followed by these calls, and readers of the tree must treat it as data.
    Result<void> make_symlink(std::string_view name, const std::string& target) const;
    // Sets the folder's own permission bits.
    Result<void> set_mode(mode_t mode) const;
    // Opens the folder at the '/'-separated relative `path` ("" is this one), one component at
    // a time, making each one that is missing (mode 0755).
    Result<Beneath> make_dirs(std::string_view path) const;

    const std::filesystem::path& path() const { return path_; }
    int fd() const { return fd_.get(); }

  private:
    Beneath(Fd fd, std::filesystem::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
    Fd fd_;
    std::filesystem::path path_; // for messages only; never used to open anything
};

} // namespace wslmod::util
