#include "kernel/kconfig_symbols.h"

#include <regex>
#include <sstream>
#include <vector>

#include "util/file.h"

namespace wslmod::kernel {
namespace {

// The symbols an expression names: identifiers outside "strings" and $(macros), without the
// constants y, n, m and numbers.
std::set<std::string> named_symbols(const std::string& expr) {
    std::string plain;
    int macro = 0;
    bool quoted = false;
    for (size_t i = 0; i < expr.size(); ++i) {
        char c = expr[i];
        if (quoted) {
            if (c == '\\' && i + 1 < expr.size())
                ++i;
            else if (c == '"')
                quoted = false;
        } else if (macro) {
            if (c == '(')
                ++macro;
            else if (c == ')')
                --macro;
        } else if (c == '"') {
            quoted = true;
        } else if (c == '$' && i + 1 < expr.size() && expr[i + 1] == '(') {
            macro = 1;
            ++i;
        } else {
            plain += c;
        }
    }
    static const std::regex ident("[A-Za-z0-9_]+");
    std::set<std::string> out;
    for (std::sregex_iterator it(plain.begin(), plain.end(), ident), end; it != end; ++it) {
        auto s = it->str();
        bool number = s.find_first_not_of("0123456789") == std::string::npos ||
                      (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'));
        if (!number && s != "y" && s != "n" && s != "m") out.insert(s);
    }
    return out;
}

// Indentation width, with tabs to the next multiple of 8 as Kconfig counts them.
size_t indent_of(const std::string& line) {
    size_t w = 0;
    for (char c : line) {
        if (c == ' ')
            ++w;
        else if (c == '\t')
            w = (w / 8 + 1) * 8;
        else
            break;
    }
    return w;
}

// The first word of a line and the rest, both without surrounding blanks.
std::pair<std::string, std::string> split_keyword(const std::string& line) {
    const char* blank = " \t\r";
    auto b = line.find_first_not_of(blank);
    if (b == std::string::npos) return {};
    auto e = line.find_first_of(blank, b);
    auto word = line.substr(b, e == std::string::npos ? std::string::npos : e - b);
    if (e == std::string::npos) return {word, {}};
    auto r = line.find_first_not_of(blank, e);
    if (r == std::string::npos) return {word, {}};
    auto last = line.find_last_not_of(blank);
    return {word, line.substr(r, last - r + 1)};
}

} // namespace

void add_kconfig_text(KconfigIndex& index, const std::string& text) {
    std::istringstream in(text);
    std::vector<std::set<std::string>> blocks; // what each open if, menu and choice depends on
    std::string entry;                         // the config symbol whose attributes follow, if any
    bool header = false;    // the attributes that follow belong to the innermost menu/choice
    bool help = false;      // inside help text
    size_t help_indent = 0; // 0 until the first line of help text sets it
    std::string line, joined;
    while (std::getline(in, line)) {
        if (help) {
            // As kconfig's lexer reads help text: the first non-blank line sets its indentation,
            // which may equal the `help` line's (drivers/hid/Kconfig writes it so), and the
            // text ends at a line indented less, or not at all.
            auto blank = line.find_first_not_of(" \t") == std::string::npos;
            if (blank) continue;
            auto w = indent_of(line);
            if (help_indent == 0 && w > 0) help_indent = w;
            if (w > 0 && w >= help_indent) continue;
            help = false;
        }
        // A trailing backslash continues the line.
        if (!line.empty() && line.back() == '\\') {
            joined += line.substr(0, line.size() - 1) + " ";
            continue;
        }
        line = joined + line;
        joined.clear();
        if (auto hash = line.find('#');
            hash != std::string::npos && line.find('"') == std::string::npos)
            line.erase(hash);
        auto [word, rest] = split_keyword(line);
        if (word.empty()) continue;
        if (word == "config" || word == "menuconfig") {
            entry = rest;
            header = false;
            if (entry.empty() || entry.find_first_of(" \t") != std::string::npos) {
                entry.clear();
                continue;
            }
            index.defined.insert(entry);
            auto& deps = index.depends_on[entry];
            for (const auto& b : blocks)
                deps.insert(b.begin(), b.end());
        } else if (word == "depends" && rest.rfind("on", 0) == 0) {
            auto syms = named_symbols(rest.substr(2));
            if (header && !blocks.empty())
                blocks.back().insert(syms.begin(), syms.end());
            else if (!entry.empty())
                index.depends_on[entry].insert(syms.begin(), syms.end());
        } else if (word == "help" || word == "---help---") {
            help = true;
            help_indent = 0;
        } else if (word == "if") {
            blocks.push_back(named_symbols(rest));
            entry.clear();
            header = false;
        } else if (word == "menu" || word == "choice") {
            blocks.push_back({});
            entry.clear();
            header = true;
        } else if (word == "endif" || word == "endmenu" || word == "endchoice") {
            if (!blocks.empty()) blocks.pop_back();
            entry.clear();
            header = false;
        } else if (word == "comment" || word == "source" || word == "mainmenu") {
            entry.clear();
            header = false;
        }
    }
}

KconfigIndex kconfig_index(const std::filesystem::path& source) {
    KconfigIndex index;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(source, ec), end; it != end;
         it.increment(ec)) {
        if (ec) break;
        if (!it->is_regular_file(ec) || !it->path().filename().string().starts_with("Kconfig"))
            continue;
        if (auto text = util::read_if_exists(it->path())) add_kconfig_text(index, *text);
    }
    return index;
}

} // namespace wslmod::kernel
