#include "wsl/wsl_version.h"

#include <charconv>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "wsl/text_form.h"

namespace wslmod::wsl {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// UTF-16LE to UTF-8 by hand: a dozen lines with no iconv descriptor to open, check and close,
// and no dependence on which encodings the C library was built with.  Surrogate pairs are
// joined; a lone surrogate becomes U+FFFD and an odd last byte is dropped.
std::string utf16le_to_utf8(std::string_view s) {
    std::string out;
    auto unit = [&](size_t i) {
        return static_cast<char16_t>(static_cast<unsigned char>(s[i]) |
                                     static_cast<unsigned char>(s[i + 1]) << 8);
    };
    for (size_t i = s.starts_with("\xFF\xFE") ? 2 : 0; i + 1 < s.size(); i += 2) {
        char32_t cp = unit(i);
        if (cp >= 0xD800 && cp < 0xDC00 && i + 3 < s.size() && unit(i + 2) >= 0xDC00 &&
            unit(i + 2) < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (unit(i + 2) - 0xDC00);
            i += 2;
        } else if (cp >= 0xD800 && cp < 0xE000) {
            cp = 0xFFFD;
        }
        append_utf8(out, cp);
    }
    return out;
}

struct Found {
    std::string label;  // the text before the version, lower-cased ASCII, trimmed
    std::string number; // the dotted numbers: "2.5.9.0"
    std::string token;  // those and whatever suffix follows them up to a space: "6.6.87.2-1"
    size_t numbers = 0; // how many dotted numbers there are
    int part[4] = {};   // the first four
};

// The first dotted version (3 or more numbers) in `line` that does not continue a word, so
// "Direct3D version: 1.611.1" finds 1.611.1 and not the 3.
std::optional<Found> version_in(std::string_view line) {
    for (size_t start = 0; start < line.size(); ++start) {
        if (!is_digit(line[start]) ||
            (start > 0 && (is_alnum(line[start - 1]) || line[start - 1] == '.')))
            continue;
        Found f;
        size_t i = start;
        bool ok = true;
        for (;;) {
            size_t n = i;
            while (i < line.size() && is_digit(line[i]))
                ++i;
            int v = 0;
            auto r = std::from_chars(line.data() + n, line.data() + i, v);
            if (i == n || r.ec != std::errc{}) {
                ok = false;
                break;
            }
            if (f.numbers < 4) f.part[f.numbers] = v;
            ++f.numbers;
            if (i + 1 < line.size() && line[i] == '.' && is_digit(line[i + 1]))
                ++i;
            else
                break;
        }
        if (!ok || f.numbers < 3) {
            start = i;
            continue;
        }
        f.number = std::string(line.substr(start, i - start));
        size_t end = i;
        while (end < line.size() && !is_space(line[end]))
            ++end;
        f.token = std::string(line.substr(start, end - start));
        for (char c : line.substr(0, start))
            f.label += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        while (!f.label.empty() && is_space(f.label.back()))
            f.label.pop_back();
        return f;
    }
    return std::nullopt;
}

std::string first_line(std::string_view text) {
    size_t b = 0;
    while (b < text.size() && is_space(text[b]))
        ++b;
    auto e = text.find_first_of("\r\n", b);
    auto line =
        std::string(text.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    return line.size() > 70 ? line.substr(0, 67) + "..." : line;
}

} // namespace

std::string console_text(std::string_view output) {
    bool utf16 = output.starts_with("\xFF\xFE");
    for (size_t i = 1; i < output.size() && !utf16; i += 2)
        utf16 = output[i] == '\0';
    if (utf16) return utf16le_to_utf8(output);
    if (output.starts_with("\xEF\xBB\xBF")) output.remove_prefix(3);
    return std::string(output);
}

util::Result<WslVersion> parse_wsl_version(std::string_view output, const std::string& where) {
    const char* hint = "kernel modules need WSL 2.5.1 or newer: run `wsl --update` in Windows";
    auto text = console_text(output);
    std::vector<Found> found;
    for (size_t b = 0; b < text.size();) {
        auto e = text.find('\n', b);
        if (e == std::string::npos) e = text.size();
        if (auto f = version_in(std::string_view(text).substr(b, e - b)))
            found.push_back(std::move(*f));
        b = e + 1;
    }
    if (first_line(text).empty())
        return util::bad_input("`wsl.exe --version` printed nothing", where, hint);
    if (found.empty())
        return util::bad_input(
            fmt::format(
                "`wsl.exe --version` printed no WSL version but '{}': this WSL is too old to "
                "know --version (or is not the Store WSL)",
                first_line(text)),
            where, hint);

    auto labelled = [&](std::string_view label) -> std::optional<size_t> {
        for (size_t i = 0; i < found.size(); ++i)
            if (found[i].label.starts_with(label)) return i;
        return std::nullopt;
    };
    size_t w = labelled("wsl version").value_or(0);
    auto k = labelled("kernel version");
    if (!k && w + 1 < found.size()) k = w + 1;

    const auto& f = found[w];
    WslVersion v{f.part[0], f.part[1], f.part[2], f.part[3], {}, {}};
    v.text = f.number;
    if (k) v.kernel = found[*k].token;
    return v;
}

std::strong_ordering compare(const WslVersion& a, const WslVersion& b) {
    if (auto c = a.major <=> b.major; c != 0) return c;
    if (auto c = a.minor <=> b.minor; c != 0) return c;
    if (auto c = a.patch <=> b.patch; c != 0) return c;
    return a.build <=> b.build;
}

bool operator<(const WslVersion& a, const WslVersion& b) {
    return compare(a, b) < 0;
}

bool may_deny_vhds_under_users(const WslVersion& v) {
    return v.major == 2 && v.minor == 7 && v.patch >= 3;
}

bool supports_kernel_modules(const WslVersion& v) {
    return compare(v, WslVersion{2, 5, 1, 0, {}, {}}) >= 0;
}

} // namespace wslmod::wsl
