// The image subcommands as a user runs them: stock modules out of VHD and VHDX images without
// mount or root, and a corpus of malformed images, each refused with one line and exit != 0
// (CI runs this against the ASan + UBSan build).
#include <cstring>
#include <fstream>
#include <functional>

#include "image/vhdx_format.h"
#include "support/catch.h"
#include "support/files.h"
#include "support/microsoft_image.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/file.h"

using namespace wslmod;
namespace vhdx = wslmod::image::vhdx;
using Bytes = std::vector<std::byte>;

namespace {

// A small valid image to break: a packed tree of a few files.
std::filesystem::path small_vhdx(const std::filesystem::path& dir) {
    auto tree = dir / "tree";
    std::filesystem::create_directories(tree / "kernel/drivers");
    std::ofstream(tree / "modules.dep") << "kernel/drivers/x.ko:\n";
    std::ofstream(tree / "kernel/drivers/x.ko") << std::string(70000, 'x');
    auto img = dir / "good.vhdx";
    auto r = test::run_wslmod({"image", "pack", tree.string(), "-o", img.string()});
    REQUIRE(r.exit_code == 0);
    return img;
}

struct Layout {
    uint64_t bat = 0, metadata = 0;
};
Layout regions(const Bytes& b) {
    auto table = vhdx::decode_region_table(
        std::span(b).subspan(vhdx::region1_offset, vhdx::region_table_size));
    REQUIRE(table);
    Layout l;
    for (const auto& e : *table) {
        if (e.guid == vhdx::bat_region) l.bat = e.offset;
        if (e.guid == vhdx::metadata_region) l.metadata = e.offset;
    }
    return l;
}

void rewrite_header(Bytes& b, const std::function<void(vhdx::Header&)>& edit) {
    for (uint64_t at : {vhdx::header1_offset, vhdx::header2_offset}) {
        auto h = vhdx::decode_header(std::span(b).subspan(at, vhdx::header_size));
        REQUIRE(h);
        edit(*h);
        vhdx::encode_header(*h, std::span(b).subspan(at, vhdx::header_size));
    }
}

void rewrite_regions(Bytes& b, const std::function<void(std::vector<vhdx::RegionEntry>&)>& edit) {
    auto t = vhdx::decode_region_table(
        std::span(b).subspan(vhdx::region1_offset, vhdx::region_table_size));
    REQUIRE(t);
    edit(*t);
    for (uint64_t at : {vhdx::region1_offset, vhdx::region2_offset})
        vhdx::encode_region_table(*t, std::span(b).subspan(at, vhdx::region_table_size));
}

void rewrite_metadata(
    Bytes& b,
    const std::function<void(std::vector<vhdx::MetadataEntry>&, std::span<std::byte>)>& edit) {
    auto md = std::span(b).subspan(regions(b).metadata, vhdx::MiB);
    auto t = vhdx::decode_metadata_table(md);
    REQUIRE(t);
    edit(*t, md);
    vhdx::encode_metadata_table(*t, md);
}

uint64_t item_offset(const std::vector<vhdx::MetadataEntry>& t, const vhdx::Guid& id) {
    for (const auto& e : t)
        if (e.item == id) return e.offset;
    FAIL("metadata item missing");
    return 0;
}

} // namespace

TEST_CASE("stock modules come straight out of a dynamic VHD, like WSL's tools modules.vhd") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("cli-vhd-extract");
    auto vhdx_img = dir / "stock.vhdx";
    test::pack_like_microsoft(k.modules, vhdx_img);
    auto vhd = dir / "modules.vhd";
    test::run_ok({"qemu-img", "convert", "-f", "vhdx", "-O", "vpc", "-o", "subformat=dynamic",
                  vhdx_img.string(), vhd.string()});
    auto verify = test::run_wslmod({"image", "verify", vhd.string()});
    INFO(verify.output);
    CHECK(verify.exit_code == 0);
    CHECK(verify.output.find("ok (vhd") != std::string::npos);
    auto out = test::run_wslmod({"image", "extract", vhd.string(), (dir / "out").string()});
    INFO(out.output);
    REQUIRE(out.exit_code == 0);
    test::run_ok({"diff", "-r", "--no-dereference", k.modules.string(), (dir / "out").string(),
                  "-x", "lost+found"});
    auto ls =
        test::run_wslmod({"--json", "image", "ls", vhdx_img.string(), "kernel/drivers/net/can"});
    CHECK(ls.exit_code == 0);
    CHECK(ls.output.find("\"name\": \"vcan.ko.xz\"") != std::string::npos);
    CHECK(ls.output.find("\"format\": \"vhdx\"") != std::string::npos);
}

TEST_CASE("a corpus of malformed images is refused with one line each and a non-zero exit") {
    auto dir = test::scratch_dir("cli-malformed");
    auto good = test::load_bytes(small_vhdx(dir));
    REQUIRE(test::run_wslmod({"image", "verify", (dir / "good.vhdx").string()}).exit_code == 0);
    auto lay = regions(good);
    auto cut = [&](size_t n) {
        return Bytes(good.begin(), good.begin() + static_cast<ptrdiff_t>(std::min(n, good.size())));
    };
    auto edit = [&](auto fn) {
        Bytes b = good;
        fn(b);
        return b;
    };
    std::vector<std::pair<std::string, Bytes>> corpus = {
        {"empty", {}},
        {"cut-in-file-id", cut(100)},
        {"cut-in-header1", cut(vhdx::header1_offset + 100)},
        {"cut-before-regions", cut(vhdx::region1_offset)},
        {"cut-before-log", cut(vhdx::MiB)},
        {"cut-in-bat", cut(lay.bat + 4096)},
        {"cut-in-metadata", cut(lay.metadata + 100)},
        {"cut-before-payload", cut(lay.metadata + vhdx::MiB)},
        {"both-header-crcs", edit([](Bytes& b) {
             b[vhdx::header1_offset + 4] ^= std::byte{1};
             b[vhdx::header2_offset + 4] ^= std::byte{1};
         })},
        {"header-version-2",
         edit([](Bytes& b) { rewrite_header(b, [](vhdx::Header& h) { h.version = 2; }); })},
        {"log-offset-zero",
         edit([](Bytes& b) { rewrite_header(b, [](vhdx::Header& h) { h.log_offset = 0; }); })},
        {"log-needs-replay", edit([](Bytes& b) {
             rewrite_header(b, [](vhdx::Header& h) {
                 h.log = vhdx::guid_from_string("11111111-2222-4333-8444-555555555555");
             });
             std::memcpy(b.data() + vhdx::MiB, "loge", 4);
         })},
        {"region-crc", edit([](Bytes& b) { b[vhdx::region1_offset + 20] ^= std::byte{1}; })},
        {"region-count-5000", edit([](Bytes& b) {
             vhdx::store_le(b, vhdx::region1_offset + 8, 5000, 4);
             vhdx::store_le(b, vhdx::region1_offset + 4, 0, 4);
             vhdx::store_le(
                 b, vhdx::region1_offset + 4,
                 vhdx::crc32c(std::span(b).subspan(vhdx::region1_offset, vhdx::region_table_size)),
                 4);
         })},
        {"regions-overlap",
         edit([&](Bytes& b) { rewrite_regions(b, [&](auto& t) { t[1].offset = t[0].offset; }); })},
        {"region-past-eof", edit([&](Bytes& b) {
             rewrite_regions(b, [&](auto& t) { t[0].offset = 1024 * vhdx::MiB; });
         })},
        {"unknown-required-region", edit([&](Bytes& b) {
             rewrite_regions(b, [&](auto& t) {
                 t.push_back({vhdx::guid_from_string("01234567-89AB-4CDE-8F01-23456789ABCD"),
                              4 * vhdx::MiB, static_cast<uint32_t>(vhdx::MiB), true});
             });
         })},
        {"block-size-3mib", edit([](Bytes& b) {
             rewrite_metadata(b, [](auto& t, auto md) {
                 vhdx::store_le(md, item_offset(t, vhdx::file_parameters_item), 3 * vhdx::MiB, 4);
             });
         })},
        {"missing-disk-size", edit([](Bytes& b) {
             rewrite_metadata(b, [](auto& t, auto) {
                 std::erase_if(t, [](const vhdx::MetadataEntry& e) {
                     return e.item == vhdx::virtual_disk_size_item;
                 });
             });
         })},
        {"differencing", edit([](Bytes& b) {
             rewrite_metadata(b, [](auto& t, auto md) {
                 vhdx::store_le(md, item_offset(t, vhdx::file_parameters_item) + 4, 2, 4);
             });
         })},
        {"bat-past-eof", edit([&](Bytes& b) {
             vhdx::store_le(b, lay.bat,
                            vhdx::bat_entry(vhdx::BatState::fully_present, 4096 * vhdx::MiB), 8);
         })},
        {"bat-into-metadata", edit([&](Bytes& b) {
             vhdx::store_le(b, lay.bat,
                            vhdx::bat_entry(vhdx::BatState::fully_present, lay.metadata), 8);
         })},
        {"ext4-superblock-gone", edit([&](Bytes& b) {
             auto first = vhdx::bat_offset(vhdx::load_le(b, lay.bat, 8));
             std::memset(b.data() + first + 1024 + 56, 0, 2);
         })}, // s_magic
        {"not-an-image", Bytes(4096, std::byte{'A'})},
    };
    REQUIRE(corpus.size() >= 20);
    for (const auto& [name, bytes] : corpus) {
        auto path = dir / (name + ".vhdx");
        test::save_bytes(path, bytes);
        auto r = test::run_wslmod({"image", "verify", path.string()});
        INFO(name << ": " << r.output);
        CHECK(r.exit_code != 0);
        CHECK(r.exit_code < 128); // no crash, no sanitizer abort
        CHECK(r.output.starts_with("wslmod: error: "));
        CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
        CHECK(r.output.find(path.string()) != std::string::npos);
    }
}
