// wslmod.lock: the text round-trips byte for byte, damaged locks are refused with the fix, and
// the differences name exactly the inputs that moved (the message `build --locked` prints).
#include "recipe/lockfile.h"

#include <fstream>

#include "support/catch.h"
#include "support/prereq.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

recipe::Lock sample() {
    recipe::Lock l;
    l.release = "6.12.117+deb12-amd64";
    l.compiler = "gcc (Debian 12.2.0-14) 12.2.0";
    l.toolchain = "gcc|make|pahole";
    l.kernel = {{"source", "aa"},
                {"config", "bb"},
                {"stock-kernel", "cc"},
                {"stock-modules", "dd"},
                {"symvers", "-"}};
    l.recipes["hello"] = {"1.0", "", {{"recipe.toml", "11"}, {"hello.c", "22"}}, {"extra/hello"}};
    l.recipes["v4l2loopback"] = {"0.12.7",
                                 "ee",
                                 {{"recipe.toml", "33"}, {"patches/strscpy.patch", "44"}},
                                 {"extra/v4l2loopback"}};
    l.image = "ff";
    return l;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += s + "\n";
    return out;
}

} // namespace

TEST_CASE("a lock's text parses back to the same lock and is written the same way every time") {
    auto text = recipe::lock_text(sample());
    auto back = recipe::parse_lock(text, "wslmod.lock");
    REQUIRE(back);
    CHECK(recipe::lock_text(*back) == text);
    CHECK(back->recipes.at("v4l2loopback").archive == "ee");
    CHECK(back->recipes.at("hello").archive.empty());
    CHECK(back->kernel.at("symvers") == "-");
    CHECK(text.ends_with("}\n"));
    CHECK(text.find("/home") == std::string::npos); // no paths: the same lock on every machine
    CHECK(recipe::kernel_differences(sample(), *back).empty());
    CHECK(recipe::recipe_differences(sample(), *back).empty());
}

TEST_CASE("a damaged lock is refused with the file and the fix") {
    for (std::string text :
         {"", "[]", "{\"format\": \"other\"}", "{\"format\": \"wslmod-lock-1\", \"kernel\": []}",
          "{\"format\": \"wslmod-lock-1\", \"recipes\": {\"a\": {\"files\": {\"x\": 1}}}}",
          "{\"format\": \"wslmod-lock-1\", \"recipes\": {\"a\": {\"modules\": \"x\"}}}",
          "{\"format\": \"wslmod-lock-1\", \"release\": 5}"}) {
        INFO(text);
        auto l = recipe::parse_lock(text, "/p/wslmod.lock");
        REQUIRE_FALSE(l);
        auto m = l.error().message();
        CHECK(m.starts_with("/p/wslmod.lock: wslmod.lock is damaged"));
        CHECK(m.find("run `wslmod build`") != std::string::npos);
    }
}

TEST_CASE("kernel_differences names the input, the release and the compiler that changed") {
    auto now = sample();
    now.kernel["config"] = "b2";
    now.release = "6.12.118+deb12-amd64";
    auto d = joined(recipe::kernel_differences(sample(), now));
    CHECK(d == "kernel release 6.12.117+deb12-amd64 -> 6.12.118+deb12-amd64\nkernel input config "
               "bb -> b2\n");
    now = sample();
    now.compiler = "gcc 13";
    now.toolchain = "other";
    CHECK(joined(recipe::kernel_differences(sample(), now)) ==
          "compiler 'gcc (Debian 12.2.0-14) 12.2.0' -> 'gcc 13'\n");
    now = sample();
    now.kernel["symvers"] = "0123456789abcdef";
    CHECK(joined(recipe::kernel_differences(sample(), now)) ==
          "kernel input symvers - -> 0123456789ab\n");
}

TEST_CASE(
    "recipe_differences names each file added, removed or changed, and recipes in one lock only") {
    auto now = sample();
    now.recipes["v4l2loopback"].files["patches/strscpy.patch"] = "45";
    now.recipes["v4l2loopback"].files["patches/new.patch"] = "46";
    now.recipes["hello"].files.erase("hello.c");
    now.recipes["hello"].version = "1.1";
    now.recipes.erase("v4l2loopback");
    auto d = recipe::recipe_differences(sample(), now);
    CHECK(joined(d) == "recipe hello: version 1.0 -> 1.1\nrecipe hello: hello.c removed\n"
                       "recipe v4l2loopback is locked but not built\n");
    now = sample();
    now.recipes["v4l2loopback"].files["patches/strscpy.patch"] = "45";
    now.recipes["v4l2loopback"].files["patches/new.patch"] = "46";
    now.recipes["v4l2loopback"].archive = "e2";
    now.recipes["usbip-extra"] = {"1.0", "", {}, {}};
    CHECK(joined(recipe::recipe_differences(sample(), now)) ==
          "recipe usbip-extra is not in the lock\nrecipe v4l2loopback: source archive ee -> e2\n"
          "recipe v4l2loopback: patches/new.patch added\nrecipe v4l2loopback: "
          "patches/strscpy.patch changed\n");
}

TEST_CASE("recipe_differences for one recipe compares it with its lock entry directly") {
    const auto locked = sample().recipes.at("v4l2loopback");
    CHECK(recipe::recipe_differences("v4l2loopback", locked, locked).empty());
    auto now = locked;
    now.version = "0.12.8";
    now.archive = "e2";
    now.files["patches/strscpy.patch"] = "45";
    now.files["patches/new.patch"] = "46";
    now.files.erase("recipe.toml");
    now.modules = {"extra/other"}; // modules are not compared
    CHECK(joined(recipe::recipe_differences("v4l2loopback", locked, now)) ==
          "recipe v4l2loopback: version 0.12.7 -> 0.12.8\nrecipe v4l2loopback: source archive ee "
          "-> e2\n"
          "recipe v4l2loopback: patches/new.patch added\nrecipe v4l2loopback: "
          "patches/strscpy.patch changed\n"
          "recipe v4l2loopback: recipe.toml removed\n");
    // The same phrases as the whole-lock comparison gives for that recipe.
    auto whole = sample();
    whole.recipes["v4l2loopback"] = now;
    CHECK(recipe::recipe_differences(sample(), whole) ==
          recipe::recipe_differences("v4l2loopback", locked, now));
}

TEST_CASE("lock_recipe digests every file of the recipe folder by content, and links by target") {
    auto dir = test::scratch_dir("lock-recipe");
    fs::create_directories(dir / "patches");
    std::ofstream(dir / "recipe.toml") << "name = \"x\"\n";
    std::ofstream(dir / "patches/a.patch") << "--- a\n";
    fs::create_symlink("recipe.toml", dir / "link");
    recipe::Recipe r;
    r.name = "x";
    r.version = "2";
    r.dir = dir;
    r.url = "https://example.org/x.tar.gz";
    r.sha256 = "abc";
    auto l = recipe::lock_recipe(r);
    REQUIRE(l);
    CHECK(l->version == "2");
    CHECK(l->archive == "abc");
    REQUIRE(l->files.size() == 3);
    CHECK(l->files.at("link") == "link:recipe.toml");
    // SHA-256 of "--- a\n"
    CHECK(l->files.at("patches/a.patch") ==
          "ce37ca72790a51ea83c172b0ad80082d7507efea0a1c818536a2a89f8fd96e96");
    std::ofstream(dir / "patches/a.patch") << "--- b\n";
    auto again = recipe::lock_recipe(r);
    REQUIRE(again);
    CHECK(again->files.at("patches/a.patch") != l->files.at("patches/a.patch"));
    CHECK(again->files.at("recipe.toml") == l->files.at("recipe.toml"));
}

TEST_CASE("a deb source's package=version round-trips, and a change of package is named") {
    auto l = sample();
    l.recipes["v4l2loopback"].package = "v4l2loopback-dkms=0.12.7-2";
    auto text = recipe::lock_text(l);
    CHECK(text.find("\"package\": \"v4l2loopback-dkms=0.12.7-2\"") != std::string::npos);
    auto back = recipe::parse_lock(text, "wslmod.lock");
    REQUIRE(back);
    CHECK(back->recipes.at("v4l2loopback").package == "v4l2loopback-dkms=0.12.7-2");
    CHECK(back->recipes.at("hello").package.empty());

    auto now = l;
    now.recipes["v4l2loopback"].package = "v4l2loopback-dkms=0.12.7-3";
    now.recipes["v4l2loopback"].archive = "ef";
    auto d = joined(recipe::recipe_differences(l, now));
    INFO(d);
    CHECK(d.find("v4l2loopback-dkms=0.12.7-3") != std::string::npos);
}
