#include <algorithm>

#include "modules/kmod_context.h"
#include "support/catch.h"
#include "support/prereq.h"

using namespace wslmod;

namespace {
size_t index_of(const std::vector<modules::ModuleFile>& v, const std::string& name) {
    auto it = std::find_if(v.begin(), v.end(), [&](auto& m) { return m.name == name; });
    return it == v.end() ? SIZE_MAX : static_cast<size_t>(it - v.begin());
}
} // namespace

TEST_CASE("load_order on the Debian tree puts every dependency before its user") {
    const auto& k = test::debian_kernel();
    auto ctx = modules::KmodContext::open(k.modules);
    REQUIRE(ctx);
    auto order = ctx->load_order({"ext4", "sd_mod", "virtio_scsi"});
    REQUIRE(order);
    for (auto name : {"ext4", "jbd2", "mbcache", "sd_mod", "scsi_mod", "virtio_scsi"})
        CHECK(index_of(*order, name) != SIZE_MAX);
    CHECK(index_of(*order, "jbd2") < index_of(*order, "ext4"));
    CHECK(index_of(*order, "mbcache") < index_of(*order, "ext4"));
    CHECK(index_of(*order, "scsi_mod") < index_of(*order, "sd_mod"));
    CHECK(index_of(*order, "scsi_mod") < index_of(*order, "virtio_scsi"));
    for (const auto& m : *order) {
        CHECK(std::filesystem::exists(m.path));
        CHECK(m.path.string().starts_with(k.modules.string())); // never the host's modules
    }
    // Each module once, even when asked for twice or reached through two users.
    auto twice = ctx->load_order({"jbd2", "ext4", "jbd2"});
    REQUIRE(twice);
    CHECK(std::count_if(twice->begin(), twice->end(), [](auto& m) { return m.name == "jbd2"; }) ==
          1);
}

TEST_CASE("load_order resolves aliases, and names an unknown module") {
    const auto& k = test::debian_kernel();
    auto ctx = modules::KmodContext::open(k.modules);
    REQUIRE(ctx);
    auto alias = ctx->load_order({"fs-overlay"});
    REQUIRE(alias);
    CHECK(index_of(*alias, "overlay") != SIZE_MAX);
    auto unknown = ctx->load_order({"wslmod_no_such_module"});
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().where == "wslmod_no_such_module");
    CHECK_FALSE(modules::KmodContext::open(test::scratch_dir("kmod-empty")));
}
