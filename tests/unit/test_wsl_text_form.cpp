// The forms a .wslconfig arrives in, and decoding each to UTF-8 and back byte for byte.
#include "support/catch.h"
#include "wsl/text_form.h"

using namespace wslmod;

namespace {

// `ascii` as UTF-16 in the given byte order (ASCII only, so each byte becomes one unit).
std::string utf16(std::string_view ascii, bool big_endian) {
    std::string out;
    for (char c : ascii) {
        out += big_endian ? '\0' : c;
        out += big_endian ? c : '\0';
    }
    return out;
}

} // namespace

TEST_CASE("decode_text tells the six forms apart and gives their bytes back", "[wsl]") {
    const std::string text = "[wsl2]\r\nmemory=4GB\r\n";
    struct Case {
        std::string bytes;
        wsl::TextForm form;
    };
    std::vector<Case> cases = {
        {text, {wsl::Encoding::utf8, false}},
        {"\xEF\xBB\xBF" + text, {wsl::Encoding::utf8, true}},
        {"\xFF\xFE" + utf16(text, false), {wsl::Encoding::utf16le, true}},
        {"\xFE\xFF" + utf16(text, true), {wsl::Encoding::utf16be, true}},
        {utf16(text, false), {wsl::Encoding::utf16le, false}},
        {utf16(text, true), {wsl::Encoding::utf16be, false}},
    };
    for (const auto& c : cases) {
        auto d = wsl::decode_text(c.bytes, "x");
        REQUIRE(d);
        CHECK(d->form == c.form);
        CHECK(d->text == text);
        CHECK(wsl::encode_text(d->text, d->form) == c.bytes);
        CHECK(wsl::encode_text(d->text + "kernel=a\r\n", d->form) ==
              wsl::encode_text(text + "kernel=a\r\n", c.form));
    }
    CHECK(wsl::wsl_reads({wsl::Encoding::utf8, false}));
    CHECK(wsl::wsl_reads({wsl::Encoding::utf8, true}));
    CHECK(wsl::wsl_reads({wsl::Encoding::utf16le, true}));
    CHECK_FALSE(wsl::wsl_reads({wsl::Encoding::utf16le, false}));
    CHECK_FALSE(wsl::wsl_reads({wsl::Encoding::utf16be, true}));
    CHECK(wsl::describe({wsl::Encoding::utf16be, false}) == "UTF-16BE without BOM");
}

TEST_CASE("UTF-16 with non-ASCII text, pairs and unpaired surrogates round-trips exactly",
          "[wsl]") {
    // "é" U+00E9, "€" U+20AC, U+1F600 as a pair, a lone high and a lone low surrogate, then "\n".
    const std::string le("\xFF\xFE\xE9\x00\xAC\x20\x3D\xD8\x00\xDE\x00\xD8\x61\x00\x00\xDC\x0A\x00",
                         18);
    auto d = wsl::decode_text(le, "x");
    REQUIRE(d);
    CHECK(d->form == wsl::TextForm{wsl::Encoding::utf16le, true});
    CHECK(d->text == "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xED\xA0\x80"
                     "a\xED\xB0\x80\n");
    CHECK(wsl::encode_text(d->text, d->form) == le);
    CHECK(wsl::encode_text(d->text, {wsl::Encoding::utf16be, false}) ==
          std::string("\x00\xE9\x20\xAC\xD8\x3D\xDE\x00\xD8\x00\x00\x61\xDC\x00\x00\x0A", 16));
}

TEST_CASE(
    "an odd-sized UTF-16 file is an error naming the file, and other bytes stay UTF-8 as they are",
    "[wsl]") {
    auto odd = wsl::decode_text(std::string("\xFF\xFE[\0w", 5), "/c/Users/u/.wslconfig");
    REQUIRE_FALSE(odd);
    CHECK(odd.error().message().find(
              "/c/Users/u/.wslconfig: the file starts like UTF-16LE with BOM but has an odd number "
              "of bytes (5)") == 0);
    // Windows-1252 bytes, a NUL here and there, and an empty file: UTF-8 form, bytes untouched.
    for (std::string b : {std::string("caf\xE9\n"), std::string("a\0b=\0\n", 6), std::string()}) {
        auto d = wsl::decode_text(b, "x");
        REQUIRE(d);
        CHECK(d->form == wsl::TextForm{});
        CHECK(d->text == b);
    }
}
