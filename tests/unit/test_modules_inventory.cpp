// The differences between two images' inventories: added, removed and changed by module name.
#include "modules/inventory.h"
#include "modules/stock.h"
#include "support/catch.h"

using namespace wslmod;

TEST_CASE("diff lists added, removed and changed modules by name") {
    modules::Inventory from{"6.12",
                            {{"a", "kernel/a.ko.xz", "11", ""},
                             {"b", "kernel/b.ko.xz", "22", ""},
                             {"c", "kernel/c.ko.xz", "33", ""},
                             {"d", "kernel/d.ko.xz", "44", ""}}};
    modules::Inventory to{"6.12",
                          {{"a", "kernel/a.ko.xz", "11", ""},
                           {"b", "kernel/b.ko.xz", "99", ""},
                           {"d", "extra/x/d.ko.xz", "44", ""},
                           {"e", "extra/x/e.ko.xz", "55", ""}}};
    auto d = modules::diff(from, to);
    REQUIRE(d.added.size() == 1);
    CHECK(d.added[0].name == "e");
    REQUIRE(d.removed.size() == 1);
    CHECK(d.removed[0].name == "c");
    REQUIRE(d.changed.size() == 2); // b: contents, d: path
    CHECK(d.changed[0].second.name == "b");
    CHECK(d.changed[1].first.path == "kernel/d.ko.xz");
    auto same = modules::diff(from, from);
    CHECK(same.added.empty());
    CHECK(same.removed.empty());
    CHECK(same.changed.empty());
}

TEST_CASE("module_name reads kernel names from module file names only") {
    CHECK(modules::module_name("hid-multitouch.ko.xz") == "hid_multitouch");
    CHECK(modules::module_name("dummy.ko") == "dummy");
    CHECK(modules::module_name("x.ko.zst") == "x");
    CHECK(modules::module_name("x.ko.gz") == "x");
    CHECK(modules::module_name("modules.dep").empty());
    CHECK(modules::module_name("x.ko.bz2").empty());
    CHECK(modules::module_name(".ko").empty());
}
