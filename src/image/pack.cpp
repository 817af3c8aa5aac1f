#include "image/pack.h"

#include <future>

#include <fmt/format.h>

#include "image/ext4_reader.h"
#include "image/vhdx_reader.h"
#include "image/vhdx_writer.h"
#include "util/atomic_file.h"

namespace wslmod::image {
namespace {

// Writes one attempt into `temp`; "filesystem full" means the plan was too small.
util::Result<PackReport> write_attempt(const Tree& tree, const Ext4Plan& plan,
                                       const Ext4Options& ext4, const std::filesystem::path& temp,
                                       uint64_t block_size) {
    auto file = WSLMOD_TRY(FileDevice::create(temp));
    auto vhdx = WSLMOD_TRY(VhdxWriter::create(file, {plan.bytes(), block_size, 4096, "wslmod"}));
    PackReport report;
    report.ext4 = WSLMOD_TRY(write_ext4(tree, plan, *vhdx, ext4));
    WSLMOD_CHECK(vhdx->finish(report.ext4.content_digest));
    report.virtual_size = plan.bytes();
    report.stored_blocks = vhdx->allocated_blocks();
    return report;
}

// Reads the finished file back through the readers: VHDX structure, ext4 consistency, and the
// same number of files as the tree.
util::Result<void> verify_written(const std::filesystem::path& temp, const PackReport& report) {
    auto file = WSLMOD_TRY(FileDevice::open_read(temp));
    auto disk = WSLMOD_TRY(VhdxReader::open(file, temp.string()));
    auto fs = WSLMOD_TRY(Ext4Reader::open(*disk, temp.string()));
    auto check = WSLMOD_TRY(fs->check());
    if (check.files != report.ext4.files || check.symlinks != report.ext4.symlinks)
        return util::fail(fmt::format("read back {} files and {} symlinks, wrote {} and {}",
                                      check.files, check.symlinks, report.ext4.files,
                                      report.ext4.symlinks),
                          temp.string());
    return {};
}

} // namespace

util::Result<PackReport> pack(const std::filesystem::path& dir, const std::filesystem::path& out,
                              const PackOptions& o) {
    util::Timings seconds;
    util::Stopwatch watch(seconds);
    auto lap = [&](const char* step) { watch.lap(step); };
    auto modes = o.canonical_modes ? Modes::canonical : Modes::as_on_disk;
    auto tree = WSLMOD_TRY(scan_tree(dir, {"build", "source"}, modes));
    Tree headers;
    if (!o.headers.empty()) headers = WSLMOD_TRY(scan_tree(o.headers, {}, modes));
    lap("scan");
    Ext4Options ext4;
    ext4.epoch = o.epoch;
    ext4.layout = o.layout;
    ext4.release = o.release.empty()
                       ? std::filesystem::absolute(dir).lexically_normal().filename().string()
                       : o.release;
    if (o.layout == Layout::artifacts &&
        (ext4.release.empty() || ext4.release == "." || ext4.release == ".."))
        return util::bad_input("cannot tell the release for the artifacts layout", dir.string(),
                               "pass --release, or pack a folder named after the release");
    if (!o.headers.empty()) {
        ext4.grafts.push_back(
            {o.layout == Layout::flat ? "build" : ext4.release + "/linux-headers", &headers});
    } else if (!o.build_link.empty() && o.layout == Layout::flat) {
        WSLMOD_CHECK(add_root_symlink(tree, "build", o.build_link));
    }
    auto atomic = WSLMOD_TRY(util::AtomicFile::create(out));
    util::Result<PackReport> report = util::fail("not attempted");
    for (double grow : {1.0, 1.25, 1.6, 2.5}) {
        report = write_attempt(tree, plan_ext4(tree, ext4, grow), ext4, atomic.temp_path(),
                               o.block_size);
        if (report || report.error().what != "filesystem full") break;
    }
    WSLMOD_CHECK(report);
    lap("write");
    // Hashing the image (CPU) runs beside the read-back verification (I/O).
    std::future<util::Result<util::Digest>> hashing;
    if (o.hash_output)
        hashing =
            std::async(std::launch::async, [&] { return util::sha256_file(atomic.temp_path()); });
    auto verified = verify_written(atomic.temp_path(), *report);
    if (o.hash_output) {
        auto sha = hashing.get();
        WSLMOD_CHECK(sha);
        report->sha256 = *sha;
    }
    WSLMOD_CHECK(verified);
    report->file_size = std::filesystem::file_size(atomic.temp_path());
    lap(o.hash_output ? "verify+sha256" : "verify");
    auto prev = out;
    prev += ".prev";
    WSLMOD_CHECK(atomic.commit(o.keep_previous ? prev : std::filesystem::path{}));
    lap("publish");
    report->output = out;
    report->seconds = std::move(seconds);
    return report;
}

} // namespace wslmod::image
