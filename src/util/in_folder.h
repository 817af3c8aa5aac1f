// InFolder: the current folder changed for a scope and put back when the scope ends.  The
// recipe search path and a manifest's relative paths are the current folder's, so a call that
// works on a project elsewhere (an upgrade from a boot hook, a bundle import's build) runs in
// that project's folder and then returns, on every path out.
#pragma once

#include <filesystem>

namespace wslmod::util {

class InFolder {
  public:
    explicit InFolder(const std::filesystem::path& dir) : back_(std::filesystem::current_path()) {
        std::filesystem::current_path(dir);
    }
    ~InFolder() {
        std::error_code ec;
        std::filesystem::current_path(back_, ec);
    }
    InFolder(const InFolder&) = delete;
    InFolder& operator=(const InFolder&) = delete;

  private:
    std::filesystem::path back_;
};

} // namespace wslmod::util
