// libFuzzer target: `bundle import` on a bundle from a stranger, up to the point where it would
// build: recipe::open_bundle extracts it (tar, SHA256SUMS, caps) into a fresh folder and checks
// the manifest, the lock and the recipes.  The input is the tar itself: libarchive reads a
// plain tar as well as a zstd one, and the fuzzer learns tar headers far better than zstd frames.
//
// Beyond "no crash" (ASan and UBSan watch), every run must leave the scratch folder as the
// contract says: on failure no work folder at all, on success files only inside it.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "recipe/bundle_import.h"
#include "util/paths.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

[[noreturn]] void broken(const std::string& what) {
    std::fprintf(stderr, "fuzz_bundle_import: %s\n", what.c_str());
    std::abort();
}

const fs::path& scratch() {
    static const fs::path dir = [] {
        std::string tmpl = (fs::temp_directory_path() / "wslmod-fuzz-bundle-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) broken("cannot make a scratch folder");
        fs::create_directories(fs::path(tmpl) / "import");
        return fs::path(tmpl);
    }();
    return dir;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto& dir = scratch();
    auto bundle = dir / "in.wslmod.tar";
    auto import = dir / "import";
    auto work = import / ".wslmod-import";
    std::ofstream(bundle, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    auto opened = recipe::open_bundle(bundle, work, import);
    std::error_code ec;
    if (!opened && fs::exists(work, ec))
        broken("a refused bundle left its work folder: " + opened.error().message());
    size_t outside = 0;
    for (const auto& e : fs::directory_iterator(import, ec))
        if (e.path() != work) ++outside;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path() != bundle && e.path() != import) ++outside;
    if (outside) broken("the import wrote outside its work folder");
    if (opened && !util::is_within(opened->manifest.output, import))
        broken("the manifest's [output] path was left outside the import folder: " +
               opened->manifest.output.string());
    fs::remove_all(work, ec);
    return 0;
}
