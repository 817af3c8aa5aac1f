// kernel::choose_compiler: the stock kernel's gcc major when it is installed, the user's choice
// when named, and plain gcc with a note naming the package otherwise.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/utsname.h>
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

TEST_CASE("a compiler named for another architecture is a cross build: ARCH and CROSS_COMPILE") {
    struct utsname u {};
    ::uname(&u);
    if (std::string(u.machine) != "x86_64") return; // the names below are cross from x86_64
    CHECK(kernel::cross_prefix("arm64") == "aarch64-linux-gnu-");
    CHECK(kernel::cross_prefix("x86").empty());
    auto vars = kernel::cc_vars("aarch64-linux-gnu-gcc-12");
    REQUIRE(vars.size() >= 3);
    CHECK(vars[0] == "ARCH=arm64");
    CHECK(vars[1] == "CROSS_COMPILE=aarch64-linux-gnu-");
    CHECK(vars.back() == "CC=aarch64-linux-gnu-gcc-12");
    // This machine's own triplet is no cross build.
    CHECK(kernel::cc_vars("x86_64-linux-gnu-gcc-12") ==
          std::vector<std::string>{"CC=x86_64-linux-gnu-gcc-12"});
    CHECK(kernel::cc_vars("gcc").empty());
}

TEST_CASE("a cross build takes the triplet's gcc-N, else its gcc, else says which package") {
    const char* published = "aarch64-linux-gnu-gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0";
    {
        FakePath path({"gcc", "aarch64-linux-gnu-gcc", "aarch64-linux-gnu-gcc-12"});
        test::FakeRunner runner;
        runner.on("aarch64-linux-gnu-gcc-12", 0,
                  "aarch64-linux-gnu-gcc-12 (Debian 12.2.0-14) 12.2.0\n");
        auto c = kernel::choose_compiler(published, "", runner, "aarch64-linux-gnu-");
        REQUIRE(c);
        CHECK(c->program == "aarch64-linux-gnu-gcc-12");
        CHECK(c->note.empty());
    }
    {
        FakePath path({"gcc", "aarch64-linux-gnu-gcc"});
        test::FakeRunner runner;
        runner.on("aarch64-linux-gnu-gcc", 0, "aarch64-linux-gnu-gcc (Debian 13.2.0-4) 13.2.0\n");
        auto c = kernel::choose_compiler(published, "", runner, "aarch64-linux-gnu-");
        REQUIRE(c);
        CHECK(c->program == "aarch64-linux-gnu-gcc");
        CHECK(c->note.find("gcc 12") != std::string::npos);
    }
    {
        FakePath path({"gcc"});
        test::FakeRunner runner;
        auto c = kernel::choose_compiler(published, "", runner, "aarch64-linux-gnu-");
        REQUIRE_FALSE(c);
        CHECK(c.error().hint.find("apt install gcc-aarch64-linux-gnu") != std::string::npos);
    }
}
