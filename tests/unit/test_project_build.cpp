// project::build refuses inputs that cannot make an image before it runs anything.
#include <filesystem>

#include "project/build.h"
#include "support/catch.h"
#include "support/fake_runner.h"

using namespace wslmod;

namespace {

// The error build() returns for `in`, and that it ran no program on the way.
util::Error refusal(const project::BuildInputs& in) {
    test::FakeRunner runner;
    auto r = project::build(in, runner, project::quiet());
    REQUIRE_FALSE(r);
    CHECK(runner.calls().empty());
    return r.error();
}

} // namespace

TEST_CASE("a build without a kernel or stock modules is refused naming the flag to pass") {
    project::BuildInputs in;
    auto e = refusal(in);
    CHECK(e.code == util::ExitCode::usage);
    CHECK(e.where == "--kernel");

    in.tree = "/nonexistent/tree";
    e = refusal(in);
    CHECK(e.where == "--stock-modules");
    CHECK(e.hint.find("--no-stock-modules") != std::string::npos);
}

TEST_CASE(
    "a build with --verify but no stock kernel, or --locked but no project or lock, is refused") {
    project::BuildInputs in;
    in.tree = "/nonexistent/tree";
    in.no_stock = true;
    in.verify = true;
    CHECK(refusal(in).where == "--verify");

    in.verify = false;
    in.locked = true;
    CHECK(refusal(in).where == "--locked");

    in.lock_file =
        std::filesystem::temp_directory_path() / "wslmod-no-such-project" / "wslmod.lock";
    auto e = refusal(in);
    CHECK(e.where == in.lock_file.string());
    CHECK(e.message().find("no lock") != std::string::npos);
}
