#include "wsl/wslconfig.h"

#include <vector>

#include <fmt/format.h>

namespace wslmod::wsl {
namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

bool hspace(char c) {
    return c == ' ' || c == '\t';
}
bool alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool alnum(char c) {
    return alpha(c) || (c >= '0' && c <= '9');
}
char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// strcasecmp, as ConfigKey::Matches compares names.
bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

enum class Kind { other, header, key }; // other: blank, comment or a line WSL skips

// One line as WSL reads it: a physical line, or several joined by `\` line continuations.
struct Entry {
    Kind kind = Kind::other;
    size_t begin = 0, end = 0; // its bytes, with its line ending
    size_t eol = 0;            // the length of that line ending (0: the last line, without one)
    std::string section;       // the section WSL files keys under from here on (a NUL in it: none)
    std::string name;          // header: the section name; key: the key name
    size_t value_begin = 0, value_end = 0; // key: the value as written, without trailing spaces
    bool quoted = false;                   // key: the value starts with '"'
    bool valid = false;                    // key: WSL takes the line (known escapes, quotes closed)
    std::string value;                     // key: the value as WSL reads it
    bool soft = false;                     // it ends in a CR alone
    bool comment_tail = false; // it ends in a comment to WSL (or WSL skips it as invalid)
    bool to_lf = false;        // WSL reads on to the next LF as comment: it ends in a comment or
                               // is invalid, and it ends softly (the lines up to that LF are
                               // "other" entries, whatever they hold)
};

// A physical line.  WSL's parser (after the CRT's text mode folds CRLF to LF) ends a header, a
// key's value and a blank line at LF or at a CR alone; a comment or an invalid line runs on to
// the next LF, so a CR alone does not end it (the "soft" line end below).
struct Line {
    size_t content_end, next; // where its line ending starts, where the next line starts
    bool soft = false;        // the line ends in a CR alone
};

Line line_at(std::string_view t, size_t pos) {
    auto at = t.find_first_of("\r\n", pos);
    if (at == std::string_view::npos) return {t.size(), t.size()};
    if (t[at] == '\n') return {at, at + 1};
    if (at + 1 < t.size() && t[at + 1] == '\n') return {at, at + 2};
    return {at, at + 1, true};
}

// Reads the value that starts at `i` as ParseConfigFile does; `line` moves on with every line
// continuation the value takes.  Returns whether the rest of the line is comment to WSL (a `#`
// outside quotes, or the line is invalid and skipped to its LF).
bool scan_value(std::string_view t, size_t i, Line& line, Entry& e) {
    e.value_begin = e.value_end = i;
    e.quoted = i < line.content_end && t[i] == '"';
    bool in_quote = false, ok = true, comment = false;
    size_t kept = 0; // the value's length without trailing spaces
    while (i < line.content_end) {
        char c = t[i];
        if (c == '#' && !in_quote) {
            comment = true;
            break;
        }
        if (c == '\\' && i + 1 < line.content_end) {
            switch (t[i + 1]) {
            case '\\':
            case '"':
                e.value += t[i + 1];
                break;
            case 'b':
                e.value += '\b';
                break;
            case 'n':
                e.value += '\n';
                break;
            case 't':
                e.value += '\t';
                break;
            default:
                ok = false; // WSL skips the line (its updater still replaces the value)
            }
            i += 2;
        } else if (c == '\\' && line.next > line.content_end && !line.soft && ok) {
            i = line.next; // a line continuation: the value goes on with the next line
            line = line_at(t, i);
        } else if (c == '\\') {
            ok = false; // `\` at the end of the file, or before a CR alone (not a continuation)
            ++i;
        } else {
            if (c == '"')
                in_quote = !in_quote;
            else
                e.value += c;
            ++i;
        }
        if (!hspace(c)) {
            kept = e.value.size();
            e.value_end = i;
        }
    }
    e.valid = ok && !in_quote;
    e.value.resize(kept);
    return comment || !e.valid;
}

// The lines of `t` after a UTF-8 BOM, carrying WSL's parser state as ParseConfigFile does: `key`
// is its name buffer ("section.key"), whose first `section_len` bytes name the current section.
std::vector<Entry> scan(std::string_view t) {
    std::vector<Entry> out;
    std::string key(1, '\0');
    size_t section_len = 0;
    bool in_comment = false; // a comment or an invalid line ended softly: WSL reads on to an LF
    size_t pos = t.starts_with(utf8_bom) ? utf8_bom.size() : 0;
    while (pos < t.size()) {
        Entry e;
        e.begin = pos;
        Line line = line_at(t, pos);
        size_t i = pos, end = line.content_end;
        bool rest_is_comment = false;
        while (i < end && hspace(t[i]))
            ++i;
        if (in_comment) {
            rest_is_comment = true;
        } else if (i < end && t[i] == '[') {
            // The buffer is overwritten as soon as a letter follows `[`, even when the header
            // turns out invalid; section_len changes only for a valid one.
            rest_is_comment = true;
            if (++i < end && alpha(t[i])) {
                key.clear();
                while (i < end && alnum(t[i]))
                    key += t[i++];
                if (i < end && t[i] == ']') {
                    ++i;
                    while (i < end && hspace(t[i]))
                        ++i;
                    if (i == end || t[i] == '#') {
                        section_len = key.size();
                        e.kind = Kind::header;
                        e.name = key;
                        rest_is_comment = i < end;
                    }
                }
            }
        } else if (i < end && alpha(t[i])) {
            key.resize(section_len); // pads with NULs when an invalid header left it shorter
            size_t name = i;
            while (i < end && alnum(t[i]))
                ++i;
            e.name = std::string(t.substr(name, i - name));
            while (i < end && hspace(t[i]))
                ++i;
            rest_is_comment = true;
            if (i < end && t[i] == '=') {
                ++i;
                while (i < line.content_end && hspace(t[i]))
                    ++i;
                e.kind = Kind::key;
                rest_is_comment = scan_value(t, i, line, e);
            }
        } else {
            rest_is_comment = i < end; // a comment, or a line that starts with neither
        }
        e.section = key.substr(0, section_len);
        e.section.resize(section_len, '\0');
        e.end = line.next;
        e.eol = line.next - line.content_end;
        e.soft = line.soft;
        e.comment_tail = rest_is_comment;
        e.to_lf = in_comment = rest_is_comment && line.soft;
        out.push_back(std::move(e));
        pos = line.next;
    }
    return out;
}

bool matches(const Entry& e, std::string_view section, std::string_view key) {
    return e.kind == Kind::key && iequals(e.section, section) && iequals(e.name, key);
}

// The file's first line ending (LF, CRLF or a CR alone), LF when it has none.
std::string eol_of(std::string_view t) {
    auto at = t.find_first_of("\r\n");
    if (at == std::string_view::npos || t[at] == '\n') return "\n";
    return at + 1 < t.size() && t[at + 1] == '\n' ? "\r\n" : "\r";
}

std::string encode(std::string_view raw, bool quote) {
    std::string out;
    for (char c : raw) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '"':
            out += "\\\"";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        default:
            out += c;
        }
    }
    // Only quotes keep `#` from starting a comment, and WSL drops unquoted edge spaces.
    if (quote || raw.find('#') != std::string_view::npos || raw.starts_with(' ') ||
        raw.ends_with(' '))
        out = '"' + out + '"';
    return out;
}

} // namespace

std::optional<std::string> get_value(std::string_view text, std::string_view section,
                                     std::string_view key) {
    for (const auto& e : scan(text))
        if (matches(e, section, key) && e.valid) return e.value; // the first one WSL takes wins
    return std::nullopt;
}

std::string set_value(std::string_view text, std::string_view section, std::string_view key,
                      std::string_view value) {
    auto entries = scan(text);
    std::string out;
    size_t copied = 0;
    bool found = false;
    for (const auto& e : entries) {
        if (!matches(e, section, key)) continue;
        found = true;
        out.append(text.substr(copied, e.value_begin - copied));
        out += encode(value, e.quoted);
        if (e.value_end == e.value_begin && e.value_end < text.size() && text[e.value_end] == '#')
            out += ' ';
        copied = e.value_end;
    }
    if (found) return out.append(text.substr(copied));

    // New lines go where WSL reads them: not into the comment that a line ending in a CR alone
    // carries on to the next LF.
    auto eol = eol_of(text);
    auto reads_after = [&](const Entry& x) {
        return x.eol ? !x.to_lf : !(x.comment_tail && eol == "\r");
    };
    auto line = std::string(key) + "=" + encode(value, false);
    for (size_t h = 0; h < entries.size(); ++h) {
        if (entries[h].kind != Kind::header || !iequals(entries[h].name, section)) continue;
        size_t last = h;
        for (size_t j = h + 1; j < entries.size() && entries[j].kind != Kind::header &&
                               iequals(entries[j].section, section);
             ++j)
            if (entries[j].kind == Kind::key) last = j;
        while (entries[last].to_lf && last + 1 < entries.size())
            ++last;
        const auto& after = entries[last];
        if (!reads_after(after)) continue;
        out = std::string(text.substr(0, after.end));
        out += after.eol == 0 ? eol + line : line + eol;
        return out.append(text.substr(after.end));
    }
    out = std::string(text);
    if (!(text.starts_with(utf8_bom) ? text.substr(utf8_bom.size()) : text).empty()) out += eol;
    return out + "[" + std::string(section) + "]" + eol + line + eol;
}

std::map<std::string, std::string> settings(std::string_view text) {
    std::map<std::string, std::string> out;
    for (const auto& e : scan(text)) {
        if (e.kind != Kind::key || !e.valid) continue;
        std::string name;
        for (char c : e.section + (e.section.empty() ? "" : ".") + e.name)
            name += lower(c);
        out.emplace(name, e.value); // the first one WSL takes wins
    }
    return out;
}

std::optional<std::string> misread(std::string_view before, std::string_view after,
                                   const std::vector<Change>& changes) {
    auto want = settings(before);
    for (const auto& [name, value] : changes) {
        std::string low;
        for (char c : name)
            low += lower(c);
        if (value)
            want[low] = *value;
        else
            want.erase(low);
    }
    auto got = settings(after);
    auto shown = [](const std::string& name) {
        std::string s;
        for (char c : name)
            s += c == '\0' ? '?' : c;
        return s;
    };
    for (const auto& [name, value] : want) {
        auto it = got.find(name);
        if (it == got.end()) return fmt::format("WSL would not read {}", shown(name));
        if (it->second != value)
            return fmt::format("WSL would read {} as something else", shown(name));
    }
    for (const auto& [name, value] : got)
        if (!want.count(name))
            return fmt::format("WSL would read a setting it did not read before: {}", shown(name));
    return std::nullopt;
}

std::string remove_key(std::string_view text, std::string_view section, std::string_view key) {
    auto entries = scan(text);
    std::vector<bool> gone(entries.size());
    bool any = false;
    for (size_t i = 0; i < entries.size(); ++i)
        if (matches(entries[i], section, key)) gone[i] = any = true;
    if (!any) return std::string(text);

    // An exact `[section]` header left as the last line, with lines below it removed: set_value
    // appended it, so it goes too, with the line break set_value put before it.
    size_t last_kept = entries.size();
    for (size_t i = 0; i < entries.size(); ++i)
        if (!gone[i]) last_kept = i;
    bool header_gone = false;
    if (last_kept + 1 < entries.size()) {
        const auto& h = entries[last_kept];
        if (h.kind == Kind::header &&
            text.substr(h.begin, h.end - h.eol - h.begin) == "[" + std::string(section) + "]")
            gone[last_kept] = header_gone = true;
    }

    const size_t start = entries.front().begin; // after a BOM
    std::string out(text.substr(0, start));
    for (size_t i = 0; i < entries.size(); ++i)
        if (!gone[i]) out.append(text.substr(entries[i].begin, entries[i].end - entries[i].begin));
    auto drop_line_break = [&] {
        if (out.size() <= start) return;
        if (out.back() == '\n') {
            out.pop_back();
            if (out.size() > start && out.back() == '\r') out.pop_back();
        } else if (out.back() == '\r') {
            out.pop_back();
        }
    };
    if (gone.back() && entries.back().eol == 0) drop_line_break(); // the file ended without one
    if (header_gone) drop_line_break();
    return out;
}

std::string escape_value(std::string_view raw) {
    return encode(raw, false);
}

bool is_representable(std::string_view raw) {
    for (char c : raw) {
        auto u = static_cast<unsigned char>(c);
        if (!(u >= 0x20 && u < 0x7F) && c != '\t' && c != '\n' && c != '\b') return false;
    }
    return true;
}

} // namespace wslmod::wsl
