#include "util/template_text.h"

#include <cctype>

#include <fmt/format.h>

namespace wslmod::util {
namespace {

bool placeholder_char(char c) {
    return std::isupper(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
}

} // namespace

Result<std::string> fill_template(std::string_view text,
                                  const std::map<std::string, std::string>& values,
                                  const std::string& origin) {
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        auto at = text.find('@', i);
        if (at == std::string_view::npos) break;
        auto end = at + 1;
        while (end < text.size() && placeholder_char(text[end]))
            ++end;
        if (end == at + 1 || end >= text.size() ||
            text[end] != '@') { // not a placeholder: keep the '@'
            out.append(text.substr(i, at + 1 - i));
            i = at + 1;
            continue;
        }
        auto name = std::string(text.substr(at + 1, end - at - 1));
        auto v = values.find(name);
        if (v == values.end())
            return fail(fmt::format("the template has @{}@, which nothing fills", name), origin,
                        "use the template shipped with this wslmod");
        out.append(text.substr(i, at - i));
        out += v->second;
        i = end + 1;
    }
    out.append(text.substr(i));
    return out;
}

} // namespace wslmod::util
