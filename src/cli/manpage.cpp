#include "cli/manpage.h"

#include <fmt/format.h>

namespace wslmod::cli {
namespace {

// The environment a user may set, documented once here (README.md has the same table in prose).
struct EnvVar {
    const char* name;
    const char* what;
};
constexpr EnvVar environment[] = {
    {"WSLMOD_SHIPPED_RECIPES",
     "the shipped recipes folder (default: share/wslmod/module-recipes beside the "
     "installed binary, else the source tree it was built from)"},
    {"WSLMOD_TEMPLATES", "the shipped templates folder (found the same way)"},
    {"WSLMOD_CACHE", "the cache of prepared kernel trees and recipe builds"},
    {"WSLMOD_WINDOWS_ROOT", "a folder that stands for C:\\ (instead of asking wslpath)"},
    {"WSLMOD_USERPROFILE", "%USERPROFILE% (instead of asking cmd.exe)"},
    {"WSLMOD_LOCALAPPDATA", "%LOCALAPPDATA% (instead of asking cmd.exe)"},
    {"WSLMOD_INSTALL_DIR", "where install keeps its generations (default %LOCALAPPDATA%\\wslmod)"},
    {"WSLMOD_WSL_TOOLS", "WSL's tools folder (default C:\\Program Files\\WSL\\tools)"},
    {"WSLMOD_WSL_EXE", "the wsl.exe to ask for WSL's version"},
    {"WSLMOD_KERNEL_RELEASE", "the running kernel's release (instead of uname -r)"},
    {"WSLMOD_FIXTURES", "where the debian profile finds the kernel packages scripts/setup fetched "
                        "(default ~/.cache/wslmod-fixtures)"},
    {"SOURCE_DATE_EPOCH", "the timestamps written into images"},
};

std::string option_label(const CLI::Option& opt) {
    if (!opt.nonpositional()) return fmt::format("\\fI{}\\fR", roff_escape(opt.get_name(true)));
    std::string names;
    for (const auto& s : opt.get_snames())
        names += (names.empty() ? "" : ", ") + fmt::format("\\fB\\-{}\\fR", s);
    for (const auto& l : opt.get_lnames())
        names += (names.empty() ? "" : ", ") + fmt::format("\\fB{}\\fR", roff_escape("--" + l));
    if (opt.get_items_expected_max() != 0)
        names += fmt::format(" \\fI{}\\fR", roff_escape(opt.get_type_name()));
    return names;
}

void document_options(const CLI::App& app, std::string& out) {
    for (const auto* opt : app.get_options()) {
        if (opt == app.get_help_ptr() || opt->get_group().empty()) continue;
        out += ".TP\n" + option_label(*opt) + "\n" + roff_escape(opt->get_description()) + "\n";
    }
}

void document_commands(const CLI::App& app, const std::string& prefix, std::string& out) {
    for (const auto* sub : app.get_subcommands({})) {
        auto path = prefix.empty() ? sub->get_name() : prefix + " " + sub->get_name();
        auto children = sub->get_subcommands({});
        if (!children.empty()) {
            document_commands(*sub, path, out);
            continue;
        }
        out += fmt::format(".SS \"wslmod {}\"\n{}\n", path, roff_escape(sub->get_description()));
        document_options(*sub, out);
    }
}

} // namespace

std::string roff_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\\')
            out += "\\e";
        else if (c == '-')
            out += "\\-";
        else if (c == '\n')
            out += "\n.br\n";
        else
            out += c;
    }
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
    return out;
}

std::string man_page(const CLI::App& app, const std::string& version, const std::string& date) {
    std::string out =
        fmt::format(".TH WSLMOD 1 \"{}\" \"wslmod {}\" \"User Commands\"\n", date, version);
    out += ".SH NAME\nwslmod \\- build the kernel modules the stock WSL2 kernel lacks into one "
           "modules.vhdx\n";
    out += ".SH SYNOPSIS\n.B wslmod\n[\\fB\\-\\-json\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n";
    out += ".SH DESCRIPTION\n"
           "wslmod prepares a kernel\\-devel tree for the stock WSL2 kernel from its published "
           "config and "
           "source (Module.symvers is recovered from the stock kernel image, not built), builds "
           "out\\-of\\-tree "
           "modules from recipes, merges them with the stock modules, runs depmod, verifies that "
           "every module "
           "resolves, and writes one modules.vhdx for the kernelModules= key of .wslconfig.\n"
           ".PP\nIn a project folder (\\fBwslmod init\\fR), \\fBwslmod add\\fR \\fINAME\\fR adds a "
           "recipe and "
           "rebuilds the image, \\fBwslmod verify \\-\\-boot\\fR proves in QEMU that the added "
           "modules load, "
           "and \\fBwslmod install\\fR hands the image to WSL, with \\fBwslmod rollback\\fR to go "
           "back.\n";
    out += ".SH GLOBAL OPTIONS\n";
    document_options(app, out);
    out += ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nPrint help for wslmod or for the command it "
           "follows, and exit.\n";
    out += ".SH COMMANDS\n";
    document_commands(app, "", out);
    out += ".SH ENVIRONMENT\n";
    for (const auto& e : environment)
        out += fmt::format(".TP\n.B {}\n{}\n", e.name, roff_escape(e.what));
    out +=
        ".SH FILES\n"
        ".TP\n.I wslmod.toml\nA project's manifest: kernel profile, recipes and output image.\n"
        ".TP\n.I wslmod.lock\nThe digests of every input of the last build, for \\fBbuild "
        "\\-\\-locked\\fR.\n"
        ".TP\n.I ~/.config/wslmod/recipes\nThe user's own recipes, searched after the project's.\n"
        ".TP\n.I /usr/share/wslmod/module\\-recipes\nThe shipped recipes (relative to the "
        "installed binary: "
        "\\fI../share/wslmod\\fR).\n";
    out += ".SH EXIT STATUS\n0 on success; 1 when a check fails or (for \\fBstatus\\fR) the image "
           "is not current; "
           "2 for bad input, with a one\\-line error that names the file, line or value.\n";
    out += ".SH SEE ALSO\n.BR depmod (8),\n.BR modprobe (8),\n.BR dkms (8)\n";
    return out;
}

} // namespace wslmod::cli
