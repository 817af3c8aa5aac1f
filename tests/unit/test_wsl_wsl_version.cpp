// `wsl.exe --version`: UTF-16LE or UTF-8, English or localized labels, and the usage text of a
// WSL too old to know the option.
#include "wsl/wsl_version.h"

#include "support/catch.h"

using namespace wslmod;

namespace {

// UTF-8 (up to three-byte sequences, all these tests need) to UTF-16LE, as wsl.exe writes it.
std::string utf16le(std::string_view utf8, bool bom) {
    std::string out = bom ? "\xFF\xFE" : "";
    for (size_t i = 0; i < utf8.size();) {
        auto b = static_cast<unsigned char>(utf8[i]);
        char32_t cp = b;
        size_t n = 1;
        if (b >= 0xE0)
            cp = b & 0x0F, n = 3;
        else if (b >= 0xC0)
            cp = b & 0x1F, n = 2;
        for (size_t k = 1; k < n; ++k)
            cp = cp << 6 | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
        out += static_cast<char>(cp & 0xFF);
        out += static_cast<char>(cp >> 8);
        i += n;
    }
    return out;
}

const std::string english =
    "WSL version: 2.5.9.0\r\nKernel version: 6.6.87.2-1\r\nWSLg version: 1.0.66\r\n"
    "MSRDC version: 1.2.6074\r\nDirect3D version: 1.611.1-81528511\r\n"
    "DXCore version: 10.0.26100.1-240331-1435.ge-release\r\nWindows version: 10.0.26100.4652\r\n";

const std::string where = "wsl.exe --version";

wsl::WslVersion parsed(std::string_view output) {
    auto v = wsl::parse_wsl_version(output, where);
    INFO((v ? "" : v.error().message()));
    REQUIRE(v);
    return *v;
}

bool supported(const std::string& version) {
    return wsl::supports_kernel_modules(
        parsed("WSL version: " + version + "\nKernel version: 6.6.87.2-1\n"));
}

} // namespace

TEST_CASE("wsl --version is read from UTF-16LE with and without a BOM, and from UTF-8", "[wsl]") {
    for (const auto& output :
         {utf16le(english, true), utf16le(english, false), english, "\xEF\xBB\xBF" + english}) {
        auto v = parsed(output);
        CHECK(v.text == "2.5.9.0");
        CHECK(v.major == 2);
        CHECK(v.minor == 5);
        CHECK(v.patch == 9);
        CHECK(v.build == 0);
        CHECK(v.kernel == "6.6.87.2-1");
        CHECK(wsl::supports_kernel_modules(v));
    }
}

TEST_CASE("localized labels are read by the order of the lines", "[wsl]") {
    auto german = parsed(
        utf16le("WSL-Version: 2.4.13.0\r\nKernelversion: 5.15.167.4-1\r\nWSLg-Version: 1.0.65\r\n"
                "Windows-Version: 10.0.22631.4602\r\n",
                true));
    CHECK(german.text == "2.4.13.0");
    CHECK(german.kernel == "5.15.167.4-1");
    CHECK_FALSE(wsl::supports_kernel_modules(german));

    auto chinese =
        parsed(utf16le("WSL 版本: 2.5.7.0\r\n内核版本: 6.6.87.1-1\r\nWSLg 版本: 1.0.66\r\n", true));
    CHECK(chinese.text == "2.5.7.0");
    CHECK(chinese.kernel == "6.6.87.1-1");
    CHECK(wsl::supports_kernel_modules(chinese));

    // English labels win over the order.
    auto labelled =
        parsed("Windows version: 10.0.26100.1\nKernel version: 6.6.87.2-1\nWSL version: 2.6.1.0\n");
    CHECK(labelled.text == "2.6.1.0");
    CHECK(labelled.kernel == "6.6.87.2-1");

    auto alone = parsed("WSL version: 2.5.9.0\n");
    CHECK(alone.kernel.empty());
}

TEST_CASE("kernel modules need WSL 2.5.1, compared number by number", "[wsl]") {
    CHECK_FALSE(supported("2.4.13"));
    CHECK_FALSE(supported("2.4.13.0"));
    CHECK_FALSE(supported("2.5.0.9"));
    CHECK(supported("2.5.1"));
    CHECK(supported("2.5.1.0"));
    CHECK(supported("2.5.10.0"));
    CHECK(supported("2.10.0"));
    CHECK(supported("3.0.0.0"));
    CHECK_FALSE(supported("1.2.5.0"));

    auto v = [](const std::string& s) { return parsed("WSL version: " + s + "\n"); };
    CHECK(v("2.9.9.0") < v("2.10.0"));
    CHECK_FALSE(v("2.10.0") < v("2.9.9.0"));
    CHECK(wsl::compare(v("2.5.1"), v("2.5.1.0")) == std::strong_ordering::equal);
    CHECK(wsl::compare(v("2.5.1.1"), v("2.5.1.0")) == std::strong_ordering::greater);
    CHECK(v("2.10.0").text == "2.10.0");
}

TEST_CASE("a WSL too old for --version, or no output, is an error naming where", "[wsl]") {
    auto usage = utf16le("Invalid command line option: --version\r\nCopyright (c) Microsoft "
                         "Corporation. All rights reserved.\r\n"
                         "\r\nUsage: wsl.exe [Argument] [Options...] [CommandLine]\r\n"
                         "    --set-default-version <Version>\r\n        Changes the default "
                         "install version for new "
                         "distributions.\r\n    --set-version <Distro> <Version>\r\n",
                         false);
    auto old = wsl::parse_wsl_version(usage, where);
    REQUIRE_FALSE(old);
    CHECK(old.error().code == util::ExitCode::usage);
    CHECK(old.error().where == where);
    CHECK(old.error().message().starts_with("wsl.exe --version: "));
    CHECK(old.error().what.find("Invalid command line option: --version") != std::string::npos);
    CHECK(old.error().hint.find("2.5.1") != std::string::npos);

    for (std::string_view empty :
         {std::string_view(""), std::string_view("\xFF\xFE"), std::string_view("\r\n \r\n")}) {
        auto none = wsl::parse_wsl_version(empty, where);
        REQUIRE_FALSE(none);
        CHECK(none.error().where == where);
        CHECK(none.error().what.find("printed nothing") != std::string::npos);
    }
}

TEST_CASE("console_text decodes UTF-16LE by hand", "[wsl]") {
    CHECK(wsl::console_text(utf16le("Kernelversion: 6.6 — ok", true)) == "Kernelversion: 6.6 — ok");
    CHECK(wsl::console_text(std::string("\xFF\xFE\x3D\xD8\x00\xDE", 6)) ==
          "\xF0\x9F\x98\x80"); // a surrogate pair: U+1F600
    CHECK(wsl::console_text(std::string("\xFF\xFE\x00\xD8 \x00", 6)) ==
          "\xEF\xBF\xBD "); // a lone surrogate
    CHECK(wsl::console_text("plain") == "plain");
}

TEST_CASE("WSL 2.7.3 and later 2.7 releases may refuse a VHD under the Users folder, others do not",
          "[wsl]") {
    auto v = [](const char* text) {
        auto r = wsl::parse_wsl_version(std::string("WSL version: ") + text + "\n", "test");
        REQUIRE(r);
        return *r;
    };
    CHECK(wsl::may_deny_vhds_under_users(v("2.7.3.0")));
    CHECK(wsl::may_deny_vhds_under_users(v("2.7.11.0")));
    CHECK_FALSE(wsl::may_deny_vhds_under_users(v("2.7.2.0")));
    CHECK_FALSE(wsl::may_deny_vhds_under_users(v("2.6.3.0")));
    CHECK_FALSE(wsl::may_deny_vhds_under_users(v("2.8.0.0")));
}
