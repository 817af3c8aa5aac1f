#include "wsl/text_form.h"

#include <cstdint>

#include <fmt/format.h>

namespace wslmod::wsl {
namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

uint8_t byte(std::string_view s, size_t i) {
    return static_cast<uint8_t>(s[i]);
}

// Which byte order a BOM-less file is in, judged by where its NULs are (see the header).
Encoding guess(std::string_view b) {
    if (b.size() < 2 || b.size() % 2 != 0) return Encoding::utf8;
    size_t even = 0, odd = 0;
    for (size_t i = 0; i < b.size(); ++i)
        if (b[i] == '\0') ++(i % 2 ? odd : even);
    size_t units = b.size() / 2;
    if (even == 0 && odd * 2 >= units) return Encoding::utf16le;
    if (odd == 0 && even * 2 >= units) return Encoding::utf16be;
    return Encoding::utf8;
}

void put_unit(std::string& out, uint32_t unit, bool big_endian) {
    char hi = static_cast<char>(unit >> 8), lo = static_cast<char>(unit & 0xFF);
    out += big_endian ? hi : lo;
    out += big_endian ? lo : hi;
}

} // namespace

util::Result<DecodedText> decode_text(std::string_view bytes, const std::string& where) {
    DecodedText d;
    if (bytes.starts_with(utf8_bom)) {
        d.form = {Encoding::utf8, true};
        d.text = std::string(bytes.substr(utf8_bom.size()));
        return d;
    }
    if (bytes.starts_with("\xFF\xFE"))
        d.form = {Encoding::utf16le, true};
    else if (bytes.starts_with("\xFE\xFF"))
        d.form = {Encoding::utf16be, true};
    else
        d.form = {guess(bytes), false};
    if (d.form.encoding == Encoding::utf8) {
        d.text = std::string(bytes);
        return d;
    }
    if (bytes.size() % 2 != 0)
        return util::bad_input(
            fmt::format("the file starts like {} but has an odd number of bytes ({}), so it is not "
                        "whole UTF-16 and cannot be edited without changing it",
                        describe(d.form), bytes.size()),
            where, "save it again from your editor (as UTF-8 to be safe)");
    const bool be = d.form.encoding == Encoding::utf16be;
    auto unit = [&](size_t i) -> uint32_t {
        return be ? (uint32_t{byte(bytes, i)} << 8) | byte(bytes, i + 1)
                  : (uint32_t{byte(bytes, i + 1)} << 8) | byte(bytes, i);
    };
    for (size_t i = d.form.bom ? 2 : 0; i < bytes.size(); i += 2) {
        uint32_t u = unit(i);
        if (u >= 0xD800 && u < 0xDC00 && i + 3 < bytes.size()) {
            uint32_t low = unit(i + 2);
            if (low >= 0xDC00 && low < 0xE000) {
                append_utf8(d.text, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
                i += 2;
                continue;
            }
        }
        append_utf8(d.text, u);
    }
    return d;
}

std::string encode_text(std::string_view text, TextForm form) {
    if (form.encoding == Encoding::utf8)
        return (form.bom ? std::string(utf8_bom) : std::string()) + std::string(text);
    const bool be = form.encoding == Encoding::utf16be;
    std::string out;
    out.reserve(text.size() * 2 + 2);
    if (form.bom) put_unit(out, 0xFEFF, be);
    for (size_t i = 0; i < text.size();) {
        uint8_t c = byte(text, i);
        // Lengths by the lead byte; a stray continuation or a cut-off sequence (never made by
        // decode_text) goes out as that one byte's value, so encoding never fails.
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (i + n > text.size()) n = 1;
        uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
        for (size_t k = 1; k < n; ++k)
            cp = (cp << 6) | (byte(text, i + k) & 0x3F);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put_unit(out, 0xD800 + (cp >> 10), be);
            put_unit(out, 0xDC00 + (cp & 0x3FF), be);
        } else {
            put_unit(out, cp, be);
        }
        i += n;
    }
    return out;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) { // lone surrogates land here too (WTF-8)
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool wsl_reads(TextForm form) {
    return form.encoding == Encoding::utf8 || (form.encoding == Encoding::utf16le && form.bom);
}

std::string describe(TextForm form) {
    const char* name = form.encoding == Encoding::utf8      ? "UTF-8"
                       : form.encoding == Encoding::utf16le ? "UTF-16LE"
                                                            : "UTF-16BE";
    return fmt::format("{} {} BOM", name, form.bom ? "with" : "without");
}

} // namespace wslmod::wsl
