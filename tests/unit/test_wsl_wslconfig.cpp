// .wslconfig: a corpus of files with the exact bytes wslmod's install writes into each, read back
// the way WSL's ParseConfigFile reads them, and undone byte for byte.
#include "wsl/wslconfig.h"

#include <cctype>
#include <vector>

#include "support/catch.h"

using namespace wslmod;

namespace {

// What an install writes, raw and as it appears in the file (backslashes doubled).
const std::string K =
    R"(C:\Users\Ann Lee\AppData\Local\wslmod\6.6.87.2-microsoft-standard-WSL2\g1\kernel)";
const std::string M =
    R"(C:\Users\Ann Lee\AppData\Local\wslmod\6.6.87.2-microsoft-standard-WSL2\g1\modules.vhdx)";
const std::string KE =
    R"(C:\\Users\\Ann Lee\\AppData\\Local\\wslmod\\6.6.87.2-microsoft-standard-WSL2\\g1\\kernel)";
const std::string ME =
    R"(C:\\Users\\Ann Lee\\AppData\\Local\\wslmod\\6.6.87.2-microsoft-standard-WSL2\\g1\\modules.vhdx)";
const std::string BOM = "\xEF\xBB\xBF";

std::string install(std::string_view text) {
    return wsl::set_value(wsl::set_value(text, "wsl2", "kernel", K), "wsl2", "kernelModules", M);
}

std::string uninstall(std::string_view text, bool modules_first) {
    if (modules_first)
        return wsl::remove_key(wsl::remove_key(text, "wsl2", "kernelModules"), "wsl2", "kernel");
    return wsl::remove_key(wsl::remove_key(text, "wsl2", "kernel"), "wsl2", "kernelModules");
}

// The lines of `text` (with their line endings) that do not mention "kernel" in any case, joined.
std::string lines_without_kernel(const std::string& text) {
    std::string out;
    for (size_t b = 0; b < text.size();) {
        auto nl = text.find('\n', b);
        auto e = nl == std::string::npos ? text.size() : nl + 1;
        auto line = text.substr(b, e - b);
        std::string lower;
        for (char c : line)
            lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower.find("kernel") == std::string::npos) out += line;
        b = e;
    }
    return out;
}

struct Case {
    const char* name;
    std::string input, expected;
    bool lacked; // WSL reads neither key from the input
};

const std::vector<Case> corpus = {
    {"no file", "", "[wsl2]\nkernel=" + KE + "\nkernelModules=" + ME + "\n", true},
    {"an empty file Notepad saved as UTF-8 (a BOM only)", BOM,
     BOM + "[wsl2]\nkernel=" + KE + "\nkernelModules=" + ME + "\n", true},
    {"a blank CRLF line", "\r\n",
     "\r\n\r\n[wsl2]\r\nkernel=" + KE + "\r\nkernelModules=" + ME + "\r\n", true},
    {"no [wsl2] section", "# WSL settings\n[experimental]\nautoMemoryReclaim=gradual\n",
     "# WSL settings\n[experimental]\nautoMemoryReclaim=gradual\n\n[wsl2]\nkernel=" + KE +
         "\nkernelModules=" + ME + "\n",
     true},
    {"[wsl2] not the first section",
     "[experimental]\nsparseVhd=true\n\n[wsl2]\nmemory=8GB\nprocessors=4\n\n# end\n",
     "[experimental]\nsparseVhd=true\n\n[wsl2]\nmemory=8GB\nprocessors=4\nkernel=" + KE +
         "\nkernelModules=" + ME + "\n\n# end\n",
     true},
    {"duplicate keys", "[wsl2]\nkernel=C:\\\\old\\\\a\nmemory=4GB\nkernel = C:\\\\old\\\\b\n",
     "[wsl2]\nkernel=" + KE + "\nmemory=4GB\nkernel = " + KE + "\nkernelModules=" + ME + "\n",
     false},
    {"duplicate [wsl2] sections",
     "[wsl2]\nmemory=4GB\n\n[experimental]\nsparseVhd=true\n\n[wsl2]\nkernel=C:\\\\old\n",
     "[wsl2]\nmemory=4GB\nkernelModules=" + ME +
         "\n\n[experimental]\nsparseVhd=true\n\n[wsl2]\nkernel=" + KE + "\n",
     false},
    {"comments with # and ;",
     "# .wslconfig of Ann\n; WSL does not take this for a comment: an invalid line, "
     "skipped\n[wsl2] # the VM\n"
     "# kernel=C:\\\\commented\\\\out\nmemory=4GB # four\n;kernel=C:\\\\not\\\\a\\\\key\n",
     "# .wslconfig of Ann\n; WSL does not take this for a comment: an invalid line, "
     "skipped\n[wsl2] # the VM\n"
     "# kernel=C:\\\\commented\\\\out\nmemory=4GB # four\nkernel=" +
         KE + "\nkernelModules=" + ME + "\n;kernel=C:\\\\not\\\\a\\\\key\n",
     true},
    {"CRLF", "[wsl2]\r\nmemory=4GB\r\nkernel=\"C:\\\\old kernel\"\r\n",
     "[wsl2]\r\nmemory=4GB\r\nkernel=\"" + KE + "\"\r\nkernelModules=" + ME + "\r\n", false},
    {"a UTF-8 BOM", BOM + "[wsl2]\nswap=0\n",
     BOM + "[wsl2]\nswap=0\nkernel=" + KE + "\nkernelModules=" + ME + "\n", true},
    {"odd spacing",
     "[wsl2]\n  kernel   =   C:\\\\old   \n\tkernelModules\t=\tC:\\\\old.vhdx\t# tab\n",
     "[wsl2]\n  kernel   =   " + KE + "   \n\tkernelModules\t=\t" + ME + "\t# tab\n", false},
    {"the same key names in other sections",
     "[experimental]\nkernel=C:\\\\exp\n\n[wsl2]\nmemory=2GB\n\n[other]\nkernelModules=C:\\\\other."
     "vhdx\n",
     "[experimental]\nkernel=C:\\\\exp\n\n[wsl2]\nmemory=2GB\nkernel=" + KE +
         "\nkernelModules=" + ME + "\n\n[other]\nkernelModules=C:\\\\other.vhdx\n",
     true},
    {"existing values with and without quotes",
     "[wsl2]\nkernel=\"C:\\\\old kernel\"\nkernelModules=C:\\\\old.vhdx\n",
     "[wsl2]\nkernel=\"" + KE + "\"\nkernelModules=" + ME + "\n", false},
    {"no final newline", "[wsl2]\nmemory=4GB",
     "[wsl2]\nmemory=4GB\nkernel=" + KE + "\nkernelModules=" + ME, true},
    {"no final newline and no [wsl2]", "[experimental]\nsparseVhd=true",
     "[experimental]\nsparseVhd=true\n[wsl2]\nkernel=" + KE + "\nkernelModules=" + ME + "\n", true},
    {"upper case section and key (WSL compares with strcasecmp)", "[WSL2]\nKERNEL=C:\\\\old\n",
     "[WSL2]\nKERNEL=" + KE + "\nkernelModules=" + ME + "\n", false},
    {"trailing comments",
     "[wsl2]\nkernel=C:\\\\old # mine\nkernelModules = \"C:\\\\old.vhdx\"  # also mine\n",
     "[wsl2]\nkernel=" + KE + " # mine\nkernelModules = \"" + ME + "\"  # also mine\n", false},
    {"single backslashes (WSL skips the line)", "[wsl2]\nkernel=C:\\Users\\ann\\kernel\n",
     "[wsl2]\nkernel=" + KE + "\nkernelModules=" + ME + "\n", false},
    {"spaces inside the brackets (no header to WSL)", "[ wsl2 ]\nkernel=C:\\\\x\n",
     "[ wsl2 ]\nkernel=C:\\\\x\n\n[wsl2]\nkernel=" + KE + "\nkernelModules=" + ME + "\n", true},
    {"a line continuation", "[wsl2]\nkernel=C:\\\\old\\\n\\\\kernel\nmemory=1GB\n",
     "[wsl2]\nkernel=" + KE + "\nmemory=1GB\nkernelModules=" + ME + "\n", false},
    {"a key before any section", "kernel=C:\\\\top\n\n[wsl2]\nmemory=1GB\n",
     "kernel=C:\\\\top\n\n[wsl2]\nmemory=1GB\nkernel=" + KE + "\nkernelModules=" + ME + "\n", true},
};

} // namespace

TEST_CASE("install writes exact bytes into every .wslconfig of the corpus", "[wsl]") {
    REQUIRE(corpus.size() >= 14);
    for (const auto& c : corpus) {
        INFO(c.name);
        auto out = install(c.input);
        CHECK(out == c.expected);
        CHECK(wsl::get_value(out, "wsl2", "kernel") == K);
        CHECK(wsl::get_value(out, "wsl2", "kernelModules") == M);
        CHECK(install(out) == out); // idempotent
        // Outside the kernel lines nothing changed; at most a section was appended.
        CHECK(lines_without_kernel(out).starts_with(lines_without_kernel(c.input)));
        if (c.lacked) {
            CHECK_FALSE(wsl::get_value(c.input, "wsl2", "kernel"));
            CHECK_FALSE(wsl::get_value(c.input, "wsl2", "kernelModules"));
            CHECK(uninstall(out, false) == c.input);
            CHECK(uninstall(out, true) == c.input);
        } else {
            CHECK(uninstall(out, false) == uninstall(c.input, false)); // only the key lines differ
        }
    }
}

TEST_CASE("get_value reads a value the way WSL's ParseConfigFile does", "[wsl]") {
    auto kernel = [](const std::string& text) { return wsl::get_value(text, "wsl2", "kernel"); };
    CHECK(kernel("[wsl2]\nkernel=\"C:\\\\a b\"\n") == "C:\\a b");
    CHECK(kernel("[wsl2]\nkernel=C:\\\\\"x # y\"\\\\z\n") == "C:\\x # y\\z"); // quotes anywhere
    CHECK(kernel("[wsl2]\nkernel=a # b\n") == "a");
    CHECK(kernel("[wsl2]\nkernel=a ; b\n") == "a ; b"); // ';' is no comment
    CHECK(kernel("[wsl2]\nkernel =  \"a  \"  \n") == "a  ");
    CHECK(kernel("[wsl2]\nkernel=\\t\\n\\b\\\"\n") == "\t\n\b\"");
    CHECK(kernel("[wsl2]\nkernel=\n") == "");
    CHECK(kernel("[wsl2]\r\nkernel=a\\\r\n  b\r\n") == "a  b"); // continuation, CRLF folded
    CHECK(kernel(BOM + "[wsl2]\nkernel=a\n") == "a");
    CHECK(wsl::get_value("[Wsl2]\nKernelMODULES=x", "wsl2", "kernelModules") == "x");

    // The first occurrence WSL takes wins; lines it skips do not count.
    CHECK(kernel("[wsl2]\nkernel=first\n[wsl2]\nkernel=second\n") == "first");
    CHECK(kernel("[wsl2]\nkernel=C:\\Users\nkernel=C:\\\\good\n") == "C:\\good"); // \U: skipped
    CHECK(kernel("[wsl2]\nkernel=C:\\bin\n") == "C:\bin"); // \b is a backspace to WSL
    CHECK_FALSE(kernel("[wsl2]\nkernel=\"open\n"));
    CHECK_FALSE(kernel("[wsl2]\nkernel=a\\"));
    CHECK_FALSE(kernel("[wsl2]\nkernel_x=a\n"));
    CHECK_FALSE(kernel("kernel=a\n[wsl2]\n"));
    CHECK_FALSE(kernel(""));

    // Malformed headers: WSL's name buffer is overwritten, its section length is not.
    CHECK(kernel("[wsl2]\n[wsl2 ]\nkernel=a\n") == "a");
    CHECK_FALSE(kernel("[ wsl2 ]\nkernel=a\n"));
    CHECK_FALSE(kernel("[wsl2]\n[wsl-2]\nkernel=a\n"));
    CHECK_FALSE(kernel("[wsl2]\n[foo bar]\nkernel=a\n"));
    CHECK_FALSE(kernel("[abcdef]\n[wsl2 ]\nkernel=a\n"));
    CHECK(kernel("[wsl2] # x\nkernel=a\n") == "a");
    CHECK_FALSE(kernel("[wsl2] x\nkernel=a\n"));
}

TEST_CASE("set_value escapes, quotes and keeps what is around the value", "[wsl]") {
    for (std::string raw : {K, std::string("a b"), std::string(" lead"), std::string("trail "),
                            std::string("x#y"), std::string("q\"uote"), std::string("tab\there"),
                            std::string("new\nline"), std::string("end\\")}) {
        INFO(raw);
        CHECK(wsl::get_value(wsl::set_value("", "wsl2", "kernel", raw), "wsl2", "kernel") == raw);
        CHECK(wsl::get_value(wsl::set_value("[wsl2]\nkernel=\"old\" # c\n", "wsl2", "kernel", raw),
                             "wsl2", "kernel") == raw);
        CHECK(wsl::get_value(wsl::set_value("[wsl2]\nkernel=old # c\n", "wsl2", "kernel", raw),
                             "wsl2", "kernel") == raw);
    }
    CHECK(wsl::set_value("[wsl2]\n", "wsl2", "kernel", "C:\\a#b") ==
          "[wsl2]\nkernel=\"C:\\\\a#b\"\n");
    CHECK(wsl::set_value("[wsl2]\nkernel=   # c\n", "wsl2", "kernel", "x") ==
          "[wsl2]\nkernel=   x # c\n");
    CHECK(wsl::set_value("[wsl2]\nkernel=", "wsl2", "kernel", "x") == "[wsl2]\nkernel=x");
    CHECK(wsl::set_value("[wsl2]", "wsl2", "kernel", "x") == "[wsl2]\nkernel=x");
    // The matching line of a section reopened after an invalid header is edited in place.
    CHECK(wsl::set_value("[abcd]\n[wsl2 ]\nkernel=a\n", "wsl2", "kernel", "x") ==
          "[abcd]\n[wsl2 ]\nkernel=x\n");
    // A key under a header WSL does not take goes into a real [wsl2] block, not after it.
    CHECK(wsl::set_value("[wsl2]\nswap=0\n[foo bar]\nk=v\n", "wsl2", "kernel", "x") ==
          "[wsl2]\nswap=0\nkernel=x\n[foo bar]\nk=v\n");
}

TEST_CASE("remove_key drops every occurrence and nothing else", "[wsl]") {
    CHECK(wsl::remove_key("[wsl2]\nkernel=a\\\nb\nmemory=1\n[experimental]\nkernel=keep\n[wsl2]"
                          "\nKernel = c # x\nswap=0",
                          "wsl2", "kernel") ==
          "[wsl2]\nmemory=1\n[experimental]\nkernel=keep\n[wsl2]\nswap=0");
    CHECK(wsl::remove_key("[wsl2]\nmemory=1\nkernel=a", "wsl2", "kernel") == "[wsl2]\nmemory=1");
    CHECK(wsl::remove_key("[wsl2]\r\nkernel=a\r\nswap=0\r\n", "wsl2", "kernel") ==
          "[wsl2]\r\nswap=0\r\n");
    CHECK(wsl::remove_key("[wsl2]\nkernel=C:\\bad\n;kernel=x\n# kernel=y\n", "wsl2", "kernel") ==
          "[wsl2]\n;kernel=x\n# kernel=y\n");
    std::string absent = "# none\n[wsl2]\nswap=0\n";
    CHECK(wsl::remove_key(absent, "wsl2", "kernel") == absent);
    CHECK(wsl::remove_key("", "wsl2", "kernel").empty());

    // An exact [wsl2] header left as the last line goes, with the line break before it (what
    // set_value appended); any other spelling, or one with lines after it, stays.
    CHECK(wsl::remove_key("swap=0\n\n[wsl2]\nkernel=a\n", "wsl2", "kernel") == "swap=0\n");
    CHECK(wsl::remove_key("[WSL2]\nkernel=a\n", "wsl2", "kernel") == "[WSL2]\n");
    CHECK(wsl::remove_key("[wsl2]\nkernel=a\n# mine\n", "wsl2", "kernel") == "[wsl2]\n# mine\n");
}

TEST_CASE("escape_value writes what WSL unescapes", "[wsl]") {
    CHECK(wsl::escape_value(K) == KE);
    CHECK(wsl::escape_value("C:/Users/ann/kernel") == "C:/Users/ann/kernel");
    CHECK(wsl::escape_value("") == "");
    CHECK(wsl::escape_value("a#b") == "\"a#b\"");
    CHECK(wsl::escape_value(" x") == "\" x\"");
    CHECK(wsl::escape_value("x ") == "\"x \"");
    CHECK(wsl::escape_value("q\"") == "q\\\"");
    CHECK(wsl::escape_value("\t\n\b") == "\\t\\n\\b");

    CHECK(wsl::is_representable(K));
    CHECK(wsl::is_representable("tab\tnew\nline"));
    CHECK_FALSE(wsl::is_representable("C:\\Users\\Zo\xC3\xAB\\kernel"));
    CHECK_FALSE(wsl::is_representable("a\rb"));
}

// WSL's parser ends a header, a value or a blank line at a CR alone, but reads a comment or an
// invalid line on to the next LF (ParseConfigFile's '\r' cases and its comment loop).
TEST_CASE("a CR-only file reads and edits the way WSL's parser treats a CR alone", "[wsl]") {
    const std::string cr = "[wsl2]\rmemory=4GB\rswap=0\r";
    CHECK(wsl::get_value(cr, "wsl2", "swap") == "0");
    auto set = wsl::set_value(cr, "wsl2", "kernel", K);
    CHECK(set == "[wsl2]\rmemory=4GB\rswap=0\rkernel=" + KE + "\r");
    CHECK(wsl::get_value(set, "wsl2", "kernel") == K);
    CHECK(wsl::remove_key(set, "wsl2", "kernel") == cr);
    CHECK(wsl::set_value("", "wsl2", "kernel", "a") == "[wsl2]\nkernel=a\n");
    CHECK(wsl::set_value("# x\r", "wsl2", "kernel", "a") ==
          "# x\r\r[wsl2]\rkernel=a\r"); // ends where WSL cannot read it
    CHECK(wsl::misread("# x\r", "# x\r\r[wsl2]\rkernel=a\r", {{"wsl2.kernel", "a"}}) ==
          "WSL would not read wsl2.kernel");

    // A comment runs over CR-only line ends: the keys after it are comment to WSL.
    const std::string hidden = "[wsl2]\r# mine\rswap=0\n[wsl2]\rmemory=1\r";
    CHECK_FALSE(wsl::get_value(hidden, "wsl2", "swap"));
    CHECK(wsl::get_value(hidden, "wsl2", "memory") == "1");
    // A key goes past that comment, to where WSL reads it.
    auto past =
        wsl::set_value("[wsl2]\rmemory=1 # note\rswap=0\n[x]\ry=1\r", "wsl2", "kernel", "a");
    CHECK(past == "[wsl2]\rmemory=1 # note\rswap=0\nkernel=a\r[x]\ry=1\r");
    CHECK(wsl::get_value(past, "wsl2", "kernel") == "a");
    CHECK_FALSE(wsl::get_value(past, "wsl2", "swap"));
    // The same holds for invalid lines and for a `\` before a CR alone (no line continuation).
    CHECK_FALSE(wsl::get_value("[wsl2]\r;x\rswap=0\r", "wsl2", "swap"));
    CHECK_FALSE(wsl::get_value("[wsl2]\rkernel=a\\\rswap=0\n", "wsl2", "swap"));
    CHECK(wsl::get_value("[wsl2]\rkernel=a\\\nb\r", "wsl2", "kernel") == "ab");

    // Removing a line whose comment hides the next ones would bring them back: misread says so.
    const std::string tail = "[wsl2]\rkernel=a # c\rswap=0\r";
    auto removed = wsl::remove_key(tail, "wsl2", "kernel");
    CHECK(removed == "[wsl2]\rswap=0\r");
    CHECK(wsl::misread(tail, removed, {{"wsl2.kernel", std::nullopt}}) ==
          "WSL would read a setting it did not read before: wsl2.swap");
    CHECK_FALSE(wsl::misread(cr, set, {{"wsl2.kernel", K}}));
    CHECK(wsl::misread(cr, set, {}) ==
          "WSL would read a setting it did not read before: wsl2.kernel");
    CHECK(wsl::settings("[WSL2]\nKernel=a\nkernel=b\nx=1\n") ==
          std::map<std::string, std::string>{{"wsl2.kernel", "a"}, {"wsl2.x", "1"}});
}
