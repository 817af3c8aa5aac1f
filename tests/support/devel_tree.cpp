#include "support/devel_tree.h"

#include "support/catch.h"
#include "support/prereq.h"
#include "support/run.h"

namespace wslmod::test {

std::filesystem::path prepared_tree(const std::vector<std::string>& extra) {
    const auto& k = debian_kernel();
    require_program("make");
    require_program("gcc");
    std::vector<std::string> args{
        "--json",
        "kernel",
        "prepare",
        "--source",
        k.source.string(),
        "--config",
        k.config.string(),
        "--stock-kernel",
        k.kernel.string(),
        "--stock-modules",
        k.modules.string(),
        "--cache",
        (std::filesystem::path(WSLMOD_BINARY_DIR) / "tests/cache").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_wslmod(args);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    auto at = r.output.find("\"tree\": \"");
    REQUIRE(at != std::string::npos);
    auto start = at + 9;
    return r.output.substr(start, r.output.find('"', start) - start);
}

std::filesystem::path build_playground_module(const std::string& name,
                                              const std::filesystem::path& tree,
                                              const std::filesystem::path& dir) {
    // Test modules are the shipped recipes' own sources (module-recipes/<name>/files).
    auto src = std::filesystem::path(WSLMOD_SOURCE_DIR) / "module-recipes" / name / "files";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir.parent_path());
    std::filesystem::copy(src, dir, std::filesystem::copy_options::recursive);
    run_ok({"make", "-s", "-C", tree.string(), "M=" + dir.string(), "modules"});
    auto ko = dir / (name + ".ko");
    REQUIRE(std::filesystem::exists(ko));
    return ko;
}

std::filesystem::path image_with(const std::vector<std::filesystem::path>& extra,
                                 const std::filesystem::path& dir) {
    const auto& k = debian_kernel();
    auto root = dir / "root";
    auto mods = root / "lib/modules" / k.release;
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(mods.parent_path());
    run_ok({"cp", "-a", k.modules.string(), mods.string()});
    std::filesystem::create_directories(mods / "extra");
    for (const auto& ko : extra)
        std::filesystem::copy_file(ko, mods / "extra" / ko.filename());
    run_ok({"depmod", "-b", root.string(), k.release});
    auto img = dir / "modules.vhdx";
    auto r = run_wslmod({"image", "pack", mods.string(), "-o", img.string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return img;
}

} // namespace wslmod::test
