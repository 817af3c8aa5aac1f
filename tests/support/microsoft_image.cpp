#include "support/microsoft_image.h"

#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "support/catch.h"
#include "support/prereq.h"
#include "util/process.h"

namespace wslmod::test {

void pack_like_microsoft(const std::filesystem::path& tree, const std::filesystem::path& out) {
    auto done = out.string() + ".complete";
    if (std::filesystem::exists(out) && std::filesystem::exists(done)) return;
    require_program("mke2fs");
    require_program("qemu-img");
    std::filesystem::create_directories(out.parent_path());
    uintmax_t bytes = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(tree))
        if (e.is_regular_file() && !e.is_symlink()) bytes += e.file_size();
    uintmax_t size_mib = bytes / (1 << 20) + 256;
    // Temporaries of this process, renamed into place: tests that run at once may both make it.
    auto raw = fmt::format("{}.raw.{}", out.string(), ::getpid());
    auto tmp = fmt::format("{}.tmp.{}", out.string(), ::getpid());
    util::SystemRunner r;
    auto mk = r.run({{"mke2fs", "-q", "-F", "-t", "ext4", "-d", tree.string(), raw,
                      fmt::format("{}M", size_mib)}});
    REQUIRE(mk);
    INFO(mk->output);
    REQUIRE(mk->exit_code == 0);
    auto conv = r.run({{"qemu-img", "convert", "-f", "raw", "-O", "vhdx", raw, tmp}});
    REQUIRE(conv);
    INFO(conv->output);
    REQUIRE(conv->exit_code == 0);
    std::filesystem::remove(raw);
    std::filesystem::rename(tmp, out);
    std::ofstream{done};
}

} // namespace wslmod::test
