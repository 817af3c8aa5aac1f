#include "modules/depmod.h"

#include <sstream>

#include <fmt/format.h>

namespace wslmod::modules {
namespace {

std::string strip_root(std::string path, const std::string& root) {
    auto r = root.ends_with('/') ? root : root + "/";
    if (path.starts_with(r)) path = path.substr(r.size());
    return path;
}

} // namespace

std::vector<DepmodIssue> parse_depmod_output(std::string_view output, const std::string& root) {
    std::vector<DepmodIssue> out;
    std::istringstream in{std::string(output)};
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        DepmodIssue issue;
        issue.line = line;
        static const std::string warning = "depmod: WARNING: ";
        if (line.starts_with(warning)) {
            auto text = line.substr(warning.size());
            struct Pattern {
                const char* infix;
                DepmodIssue::Kind kind;
            };
            for (auto p : {Pattern{" needs unknown symbol ", DepmodIssue::Kind::unknown_symbol},
                           Pattern{" disagrees about version of symbol ",
                                   DepmodIssue::Kind::symbol_version}}) {
                auto at = text.find(p.infix);
                if (at == std::string::npos) continue;
                issue.kind = p.kind;
                issue.module = strip_root(text.substr(0, at), root);
                issue.symbol = text.substr(at + std::string_view(p.infix).size());
                break;
            }
        }
        out.push_back(std::move(issue));
    }
    return out;
}

util::Error depmod_error(const std::vector<DepmodIssue>& issues, const std::string& where) {
    const auto& first = issues.front();
    std::string more = issues.size() > 1 ? fmt::format(" (and {} more issue{})", issues.size() - 1,
                                                       issues.size() > 2 ? "s" : "")
                                         : "";
    switch (first.kind) {
    case DepmodIssue::Kind::unknown_symbol:
        return util::Error{
            fmt::format(
                "depmod: {} needs symbol {}, which neither the kernel nor any module in the image "
                "exports{}",
                first.module, first.symbol, more),
            where,
            "add the recipe that exports it to the build (depends = [...]), or fix the module's "
            "code",
            util::ExitCode::failed};
    case DepmodIssue::Kind::symbol_version:
        return util::Error{
            fmt::format("depmod: {} was built against another version of symbol {} than the kernel "
                        "exports{}",
                        first.module, first.symbol, more),
            where, "rebuild it against the prepared tree of this kernel (its Module.symvers)",
            util::ExitCode::failed};
    case DepmodIssue::Kind::other:
        break;
    }
    return util::Error{fmt::format("{}{}", first.line, more), where,
                       "depmod warnings are errors: the image would not be sound",
                       util::ExitCode::failed};
}

util::Result<std::vector<DepmodIssue>> run_depmod(util::CommandRunner& runner,
                                                  const std::filesystem::path& base,
                                                  const std::string& release,
                                                  const std::filesystem::path& symvers) {
    std::vector<std::string> argv{"depmod",         "-b",   base.string(), "-e", "-E",
                                  symvers.string(), release};
    auto out = WSLMOD_TRY(runner.run(util::Command(argv)));
    auto root = (base / "lib/modules" / release).string();
    auto issues = parse_depmod_output(out.output, root);
    if (issues.empty() && out.exit_code != 0)
        return util::fail(
            fmt::format("`{}` failed with exit code {}", util::shell_quote(argv), out.exit_code),
            root);
    return issues;
}

} // namespace wslmod::modules
