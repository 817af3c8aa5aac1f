#include "verify/console.h"

#include <charconv>

namespace wslmod::verify {
namespace {

std::string normalise(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i)
        if (!(in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n')) out += in[i];
    return out;
}

struct Marker {
    std::string kind; // SETUP, BEGIN, DMESG, DONE (BEGIN markers) or the END forms
    std::vector<int> numbers;
};

std::optional<Marker> read_marker(std::string_view line, const std::string& prefix) {
    if (!line.starts_with(prefix)) return std::nullopt;
    line.remove_prefix(prefix.size());
    Marker m;
    auto sp = line.find(' ');
    m.kind = std::string(line.substr(0, sp));
    while (sp != std::string_view::npos) {
        line.remove_prefix(sp + 1);
        sp = line.find(' ');
        auto word = line.substr(0, sp);
        int n = 0;
        auto [p, ec] = std::from_chars(word.data(), word.data() + word.size(), n);
        if (ec != std::errc{} || p != word.data() + word.size()) return std::nullopt;
        m.numbers.push_back(n);
    }
    return m;
}

} // namespace

ConsoleReport parse_console(std::string_view raw, std::string_view nonce) {
    std::string text = normalise(raw);
    const std::string prefix = "@@WSLMOD-" + std::string(nonce) + "-";
    ConsoleReport report;
    std::optional<std::string> open; // kind of the section being collected
    std::string body;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line(text.data() + pos,
                              (nl == std::string::npos ? text.size() : nl) - pos);
        auto marker = read_marker(line, prefix);
        if (marker && !open) {
            if (marker->kind == "DONE")
                report.done = true;
            else if (marker->kind == "SETUP-BEGIN" || marker->kind == "DMESG-BEGIN" ||
                     (marker->kind == "BEGIN" && marker->numbers.size() == 1 &&
                      marker->numbers[0] == static_cast<int>(report.commands.size())))
                open = marker->kind, body.clear();
        } else if (marker && open) {
            bool closes = (*open == "SETUP-BEGIN" && marker->kind == "SETUP-END") ||
                          (*open == "DMESG-BEGIN" && marker->kind == "DMESG-END") ||
                          (*open == "BEGIN" && marker->kind == "END");
            if (closes && !marker->numbers.empty()) {
                if (!body.empty() && body.back() == '\n') body.pop_back(); // the marker's own
                Section s{body, marker->numbers.back()};
                if (*open == "SETUP-BEGIN")
                    report.setup = s;
                else if (*open == "DMESG-BEGIN")
                    report.dmesg = s.output;
                else
                    report.commands.push_back(s);
                open.reset();
            } else {
                body.append(line).append("\n");
            }
        } else if (open) {
            body.append(line).append("\n");
        }
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    if (open) report.done = false; // a section was cut off
    return report;
}

std::string console_tail(std::string_view raw, size_t lines) {
    std::string text = normalise(raw);
    size_t pos = text.size();
    while (lines > 0 && pos > 0) {
        pos = text.rfind('\n', pos - 1);
        if (pos == std::string::npos) return text;
        --lines;
    }
    return text.substr(pos == 0 ? 0 : pos + 1);
}

} // namespace wslmod::verify
