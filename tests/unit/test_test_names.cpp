// A lint on the test suite itself: catch_discover_tests hands each test name to ctest, which
// splits a name at ';' into two names that match nothing, and a '\' reaches Catch's filter as an
// escape, and a name that starts with '-' reaches Catch as an option.  Each turns a test into a
// failure in CI that passed when run by hand.
#include <filesystem>
#include <fstream>
#include <regex>

#include "support/catch.h"

namespace fs = std::filesystem;

TEST_CASE("no test name holds a semicolon or a backslash or starts with a hyphen, which ctest and "
          "Catch would mangle") {
    // A name may be split into adjacent literals across lines (clang-format wraps long ones).
    static const std::regex test_case(R"re(TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+))re");
    static const std::regex literal(R"re("((?:[^"\\]|\\.)*)")re");
    int names = 0;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(WSLMOD_SOURCE_DIR) / "tests")) {
        if (e.path().extension() != ".cpp") continue;
        std::ifstream in(e.path());
        std::string text(std::istreambuf_iterator<char>(in), {});
        for (std::sregex_iterator it(text.begin(), text.end(), test_case), end; it != end; ++it) {
            std::string name, literals = (*it)[1].str();
            for (std::sregex_iterator l(literals.begin(), literals.end(), literal); l != end; ++l)
                name += (*l)[1].str();
            ++names;
            INFO(e.path().filename().string() << ": " << name);
            CHECK(name.find(';') == std::string::npos);
            CHECK(name.find('\\') == std::string::npos);
            CHECK_FALSE(name.starts_with("-"));
        }
    }
    CHECK(names > 100); // the pattern really found the suite's tests
}
