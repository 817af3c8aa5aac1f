// AtomicDir: a folder that appears whole or not at all, the folder twin of AtomicFile.  It is
// built in a temporary sibling, ".tmp-<name>.<n>-<pid>" (the pattern remove_stale_temporaries()
// sweeps once its process is gone); commit() flushes the filesystem, writes the marker file
// last when one is named (a cache entry counts only with its marker), and renames the folder
// onto the destination.  Without commit(), the destructor removes the temporary, so every
// failure path leaves nothing behind.
//
// Two processes may build the same cache entry at once: when the rename fails because the
// other one published first (the destination holds the marker), its entry is kept and commit()
// succeeds.  Without a marker an existing destination is an error.
#pragma once

#include <filesystem>
#include <string>

#include "util/error.h"

namespace wslmod::util {

class AtomicDir {
  public:
    // Creates the empty temporary beside `destination` (its parent is created when missing).
    static Result<AtomicDir> create(const std::filesystem::path& destination);
    AtomicDir(AtomicDir&& other) noexcept;
    AtomicDir& operator=(AtomicDir&&) = delete;
    ~AtomicDir();

    // Where to build the folder.
    const std::filesystem::path& path() const { return temp_; }
    const std::filesystem::path& destination() const { return destination_; }
    // Publishes the folder (see above); `marker` names a file to create inside it last.
    Result<void> commit(const std::string& marker = {});

  private:
    AtomicDir(std::filesystem::path destination, std::filesystem::path temp)
        : destination_(std::move(destination)), temp_(std::move(temp)) {}
    std::filesystem::path destination_, temp_;
    bool committed_ = false;
};

// Removes a path (a folder with everything in it) when it goes out of scope, unless release()d:
// the work folder of a step that either finishes and hands the folder on, or fails.  Folders
// left read-only (an extracted image's modes) are made writable first.
class RemoveOnExit {
  public:
    explicit RemoveOnExit(std::filesystem::path p) : path_(std::move(p)) {}
    RemoveOnExit(const RemoveOnExit&) = delete;
    RemoveOnExit& operator=(const RemoveOnExit&) = delete;
    ~RemoveOnExit();
    void release() { path_.clear(); }

  private:
    std::filesystem::path path_;
};

} // namespace wslmod::util
