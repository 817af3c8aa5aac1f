// kernel::choose_compiler: the stock kernel's gcc major when it is installed, the user's choice
// when named, and plain gcc with a note naming the package otherwise.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "kernel/compiler.h"
#include "support/catch.h"
#include "support/fake_runner.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

// PATH is a fresh folder holding only the named programs, for the test's life.
class FakePath {
  public:
    explicit FakePath(std::initializer_list<const char*> programs)
        : dir_(fs::temp_directory_path() / ("wslmod-path-" + std::to_string(::getpid()))) {
        fs::create_directories(dir_);
        for (const auto* p : programs) {
            std::ofstream(dir_ / p) << "#!/bin/sh\nexit 1\n";
            fs::permissions(dir_ / p, fs::perms::owner_all);
        }
        if (const char* old = std::getenv("PATH")) old_ = old;
        ::setenv("PATH", dir_.c_str(), 1);
    }
    ~FakePath() {
        ::setenv("PATH", old_.c_str(), 1);
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

  private:
    fs::path dir_;
    std::string old_;
};

// A host with gcc 12 and gcc-11, as `--version` tells them.
void script_gccs(test::FakeRunner& r) {
    r.on("gcc", 0, "gcc (Debian 12.2.0-14) 12.2.0\nCopyright\n");
    r.on("gcc-11", 0, "gcc-11 (Debian 11.3.0-12) 11.3.0\n");
}

} // namespace

TEST_CASE("plain gcc builds when its major is the stock kernel's") {
    FakePath path({"gcc"});
    test::FakeRunner runner;
    script_gccs(runner);
    auto c =
        kernel::choose_compiler("x86_64-linux-gnu-gcc-12 (Debian 12.2.0-14) 12.2.0", "", runner);
    REQUIRE(c);
    CHECK(c->program == "gcc");
    CHECK(c->version == "gcc (Debian 12.2.0-14) 12.2.0");
    CHECK(c->note.empty());
}

TEST_CASE("gcc-N is chosen when the stock kernel was built by gcc N and it is installed") {
    FakePath path({"gcc", "gcc-11"});
    test::FakeRunner runner;
    script_gccs(runner);
    auto c = kernel::choose_compiler("gcc (GCC) 11.2.0", "", runner); // WSL's 6.6
    REQUIRE(c);
    CHECK(c->program == "gcc-11");
    CHECK(c->version == "gcc-11 (Debian 11.3.0-12) 11.3.0");
    CHECK(c->note.empty());
}

TEST_CASE("without gcc-N, plain gcc builds and the note names the package that matches") {
    FakePath path({"gcc"});
    test::FakeRunner runner;
    script_gccs(runner);
    auto c = kernel::choose_compiler("gcc (GCC) 13.2.0", "", runner); // WSL's 6.18
    REQUIRE(c);
    CHECK(c->program == "gcc");
    INFO(c->note);
    CHECK(c->note.find("gcc 13") != std::string::npos);
    CHECK(c->note.find("apt install gcc-13") != std::string::npos);
    CHECK(c->note.find("gcc 12 builds the modules") != std::string::npos);
}

TEST_CASE("a named compiler wins, and one that is not installed is bad input naming it") {
    FakePath path({"gcc", "gcc-11"});
    test::FakeRunner runner;
    script_gccs(runner);
    auto c = kernel::choose_compiler("gcc (Debian 12.2.0-14) 12.2.0", "gcc-11", runner);
    REQUIRE(c);
    CHECK(c->program == "gcc-11");
    auto missing = kernel::choose_compiler("", "gcc-9", runner);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == util::ExitCode::usage);
    CHECK(missing.error().where == "gcc-9");
}
