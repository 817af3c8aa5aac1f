// recipe.toml writer.  Hand-written rather than through toml++'s formatter, which sorts keys
// alphabetically: a recipe reads best in the order recipe.h documents (name first, [build] last).
#include "recipe/recipe_toml.h"

#include <fmt/format.h>

namespace wslmod::recipe {
namespace {

// A TOML basic string: "..." with \\, \" and control characters escaped.
std::string quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                out += fmt::format("\\u{:04X}", static_cast<unsigned char>(c));
            else
                out += c;
        }
    }
    return out + "\"";
}

// A key, bare when TOML allows it.
std::string key(const std::string& k) {
    bool bare =
        !k.empty() &&
        k.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
            std::string::npos;
    return bare ? k : quote(k);
}

std::string array(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const auto& s : items)
        out += (out.size() > 1 ? ", " : "") + quote(s);
    return out + "]";
}

// `p` relative to the recipe folder `dir` ("." for the folder itself).
std::string inside(const std::filesystem::path& p, const std::filesystem::path& dir) {
    auto rel = std::filesystem::absolute(p).lexically_normal().lexically_relative(
        std::filesystem::absolute(dir).lexically_normal());
    auto out = rel.generic_string();
    while (out.size() > 1 && out.back() == '/')
        out.pop_back();
    return out.empty() ? "." : out;
}

} // namespace

std::string to_toml(const Recipe& r) {
    std::string out;
    auto line = [&](const std::string& k, const std::string& value) {
        out += key(k) + " = " + value + "\n";
    };
    auto text = [&](const std::string& k, const std::string& value) {
        if (!value.empty()) line(k, quote(value));
    };
    auto list = [&](const std::string& k, const std::vector<std::string>& values) {
        if (!values.empty()) line(k, array(values));
    };
    line("name", quote(r.name));
    line("version", quote(r.version));
    line("summary", quote(r.summary));
    text("license", r.license);
    text("homepage", r.homepage);
    text("firmware", r.firmware);
    list("depends", r.depends);
    list("replaces", r.replaces);
    std::vector<std::string> patches;
    for (const auto& p : r.patches)
        patches.push_back(inside(p, r.dir));
    list("patches", patches);

    out += "\n[source]\n";
    switch (r.source) {
    case SourceKind::kernel_tree:
        if (r.kernel_tree.size() == 1)
            line("kernel-tree", quote(r.kernel_tree[0]));
        else
            line("kernel-tree", array(r.kernel_tree));
        break;
    case SourceKind::path:
        line("path", quote(inside(r.path, r.dir)));
        break;
    case SourceKind::url:
        line("url", quote(r.url)), line("sha256", quote(r.sha256));
        break;
    case SourceKind::dkms:
        line("dkms", quote(inside(r.dkms, r.dir)));
        break;
    case SourceKind::deb:
        line("deb", quote(r.deb));
        text("version", r.deb_version);
        break;
    }
    if (!r.kconfig.empty()) {
        out += "\n[kconfig]\n";
        for (const auto& [option, value] : r.kconfig)
            line("CONFIG_" + option, quote(value));
    }

    out += "\n[build]\n";
    list("make-args", r.make_args);
    if (!r.make_env.empty()) {
        std::string env;
        for (const auto& [k, v] : r.make_env)
            env += (env.empty() ? "" : ", ") + key(k) + " = " + quote(v);
        line("env", "{ " + env + " }");
    }
    text("command", r.command);
    text("pre-build", r.pre_build);
    text("post-build", r.post_build);
    if (!r.modules.empty()) {
        out += "modules = [\n";
        for (const auto& m : r.modules) {
            if (m.dest == "extra/" + r.name && m.location.empty() && !m.strip)
                out += "  " + quote(m.name) + ",\n";
            else
                out +=
                    fmt::format("  {{ name = {}, dest = {}{}{} }},\n", quote(m.name), quote(m.dest),
                                m.location.empty() ? "" : ", location = " + quote(m.location),
                                m.strip ? ", strip = true" : "");
        }
        out += "]\n";
    }

    if (r.kernel.empty() && r.kernel_match.empty() && r.arch.empty() && r.config.empty())
        return out;
    out += "\n[requires]\n";
    std::string bounds;
    for (const auto& b : r.kernel)
        bounds += (bounds.empty() ? "" : ", ") + b.op + b.version;
    text("kernel", bounds);
    text("kernel-match", r.kernel_match);
    list("arch", r.arch);
    std::vector<std::string> config;
    for (const auto& c : r.config) {
        std::string values;
        for (const auto& v : c.values)
            values += (values.empty() ? "" : "|") + v;
        config.push_back("CONFIG_" + c.symbol + "=" + values);
    }
    list("config", config);
    return out;
}

} // namespace wslmod::recipe
