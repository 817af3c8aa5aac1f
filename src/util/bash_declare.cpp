#include "util/bash_declare.h"

#include <optional>
#include <regex>

#include <fmt/format.h>

namespace wslmod::util {
namespace {

// Reads bash's `declare -p` output: one `declare -FLAGS NAME[=VALUE]` per variable.
class DeclareParser {
  public:
    explicit DeclareParser(std::string_view text) : s_(text) {}

    Result<BashVars> parse() {
        BashVars out;
        while (skip(" \t\n"), i_ < s_.size()) {
            if (s_.substr(i_, 8) != "declare ") return error("expected 'declare '");
            i_ += 8;
            auto flags = until(" ");
            skip(" ");
            auto name = until("=\n");
            static const std::regex name_re("[A-Za-z_][A-Za-z0-9_]*");
            if (!flags.starts_with("-") || !std::regex_match(name, name_re))
                return error("expected -FLAGS NAME");
            if (i_ >= s_.size() || s_[i_] != '=') continue; // declared but unset
            ++i_;
            if (flags.find_first_of("An") != std::string::npos)
                return error(fmt::format("{} is an associative array or a nameref", name));
            if (flags.find('a') == std::string::npos) {
                out[name] = {{0, WSLMOD_TRY(word(" \n"))}};
            } else if (i_ < s_.size() && s_[i_] == '(') {
                out[name] = WSLMOD_TRY(array());
            } else { // bash < 4.4 quotes the whole body: '([0]="a")'
                auto body = WSLMOD_TRY(word(" \n"));
                out[name] = WSLMOD_TRY(DeclareParser(body).array());
            }
        }
        return out;
    }

    // `([0]="a" [3]=$'b\n')`
    Result<BashVar> array() {
        BashVar out;
        if (i_ >= s_.size() || s_[i_++] != '(') return error("expected '('");
        while (skip(" \t\n"), i_ < s_.size() && s_[i_] != ')') {
            if (s_[i_++] != '[') return error("expected '[index]='");
            auto index = until("]");
            if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos ||
                i_ + 1 >= s_.size() || s_[i_ + 1] != '=')
                return error("expected a numeric '[index]='");
            i_ += 2;
            out.emplace_back(std::stol(index), WSLMOD_TRY(word(" \t\n)")));
        }
        if (i_ >= s_.size()) return error("unterminated array");
        ++i_;
        return out;
    }

  private:
    tl::unexpected<util::Error> error(const std::string& what) const {
        return fail("cannot read bash's declare -p output: " + what,
                    fmt::format("offset {}: {}", i_, s_.substr(std::min(i_, s_.size()), 40)));
    }
    void skip(std::string_view chars) {
        while (i_ < s_.size() && chars.find(s_[i_]) != std::string_view::npos)
            ++i_;
    }
    std::string until(std::string_view stops) {
        auto start = i_;
        while (i_ < s_.size() && stops.find(s_[i_]) == std::string_view::npos)
            ++i_;
        return std::string(s_.substr(start, i_ - start));
    }

    // One shell word: "...", '...', $'...' and plain characters, up to an unquoted stop.
    Result<std::string> word(std::string_view stops) {
        std::string out;
        while (i_ < s_.size() && stops.find(s_[i_]) == std::string_view::npos) {
            char c = s_[i_++];
            if (c == '\'') {
                auto end = s_.find('\'', i_);
                if (end == std::string_view::npos) return error("unterminated '...'");
                out += s_.substr(i_, end - i_);
                i_ = end + 1;
            } else if (c == '"') {
                while (i_ < s_.size() && s_[i_] != '"') {
                    if (s_[i_] == '\\' && i_ + 1 < s_.size() &&
                        std::string_view("$`\"\\\n").find(s_[i_ + 1]) != std::string_view::npos) {
                        if (s_[i_ + 1] != '\n') out += s_[i_ + 1]; // backslash-newline joins lines
                        i_ += 2;
                    } else {
                        out += s_[i_++];
                    }
                }
                if (i_++ >= s_.size()) return error("unterminated \"...\"");
            } else if (c == '$' && i_ < s_.size() && s_[i_] == '\'') {
                ++i_;
                WSLMOD_CHECK(ansi_c(out));
            } else if (c == '\\' && i_ < s_.size()) {
                out += s_[i_++];
            } else {
                out += c;
            }
        }
        return out;
    }

    // The body of $'...' after the opening quote, decoded as bash does.
    Result<void> ansi_c(std::string& out) {
        auto digits = [&](int base, size_t max) {
            unsigned long v = 0;
            size_t n = 0;
            for (; n < max && i_ < s_.size(); ++n, ++i_) {
                char h = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[i_])));
                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : 99;
                if (d >= base) break;
                v = v * base + d;
            }
            return std::pair(v, n);
        };
        while (i_ < s_.size() && s_[i_] != '\'') {
            char c = s_[i_++];
            if (c != '\\' || i_ >= s_.size()) {
                out += c;
                continue;
            }
            char e = s_[i_++];
            static const std::string_view from = "abeEfnrtv\\'\"?",
                                          to = "\a\b\x1b\x1b\f\n\r\t\v\\'\"?";
            if (auto k = from.find(e); k != std::string_view::npos)
                out += to[k];
            else if (e >= '0' && e <= '7')
                --i_, out += static_cast<char>(digits(8, 3).first);
            else if (e == 'c' && i_ < s_.size())
                out += static_cast<char>(s_[i_++] & 0x1f);
            else if (e == 'x' || e == 'u' || e == 'U') {
                auto [v, n] = digits(16, e == 'x' ? 2 : e == 'u' ? 4 : 8);
                if (n == 0)
                    out += std::string("\\") + e;
                else if (e == 'x' || v < 0x80)
                    out += static_cast<char>(v);
                else if (v < 0x800)
                    out += {char(0xc0 | v >> 6), char(0x80 | (v & 0x3f))};
                else if (v < 0x10000)
                    out += {char(0xe0 | v >> 12), char(0x80 | (v >> 6 & 0x3f)),
                            char(0x80 | (v & 0x3f))};
                else
                    out += {char(0xf0 | v >> 18), char(0x80 | (v >> 12 & 0x3f)),
                            char(0x80 | (v >> 6 & 0x3f)), char(0x80 | (v & 0x3f))};
            } else {
                out += '\\', out += e;
            }
        }
        if (i_++ >= s_.size()) return error("unterminated $'...'");
        return {};
    }

    std::string_view s_;
    size_t i_ = 0;
};

} // namespace

Result<BashVars> parse_declare_p(std::string_view text) {
    return DeclareParser(text).parse();
}

} // namespace wslmod::util
