#include "cli/commands.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <sstream>

#include "cli/build_command.h"
#include "cli/bundle.h"
#include "cli/doctor.h"
#include "cli/headers.h"
#include "cli/image_commands.h"
#include "cli/inspect.h"
#include "cli/install.h"
#include "cli/kernel_info.h"
#include "cli/kernel_prepare.h"
#include "cli/kernel_symvers.h"
#include "cli/project.h"
#include "cli/publish.h"
#include "cli/recipe_author.h"
#include "cli/recipe_build.h"
#include "cli/recipe_commands.h"
#include "cli/status.h"
#include "cli/upgrade.h"
#include "cli/verify.h"

namespace wslmod::cli {

const std::vector<Subcommand>& subcommands() {
    static const std::vector<Subcommand> table = {
        {"build",
         "Build recipes, merge them with the stock modules, depmod, verify, and write one "
         "modules.vhdx",
         setup_build},
        {"init", "Start a project: wslmod.toml (kernel profile, recipes, output) and recipes/",
         setup_init},
        {"add", "Add recipes to wslmod.toml and rebuild the image (only new recipes compile)",
         setup_add},
        {"remove", "Remove recipes from wslmod.toml and rebuild the image", setup_remove},
        {"list", "List the recipes that can be added (project, user, shipped)", setup_recipe_list},
        {"search",
         "Find recipes by name, summary or module name, and the distro's *-dkms packages (exit 1 "
         "when nothing matches)",
         setup_search},
        {"status",
         "Does the image still match wslmod.toml, its recipes and the stock kernel? (exit 1 when "
         "not)",
         setup_status},
        {"publish",
         "Write the files that hand an image to Windows machines: sha256, .wslconfig snippet, "
         "Scoop manifest",
         setup_publish},
        {"bundle export",
         "Write the project (manifest, lock, recipes, built modules) as one checked "
         ".wslmod.tar.zst",
         setup_bundle_export},
        {"bundle import",
         "Turn a bundle into a project and its image: no compiling when the kernel release matches",
         setup_bundle_import},
        {"verify",
         "Check an image, and with --boot prove that its added modules load in the stock kernel "
         "(QEMU)",
         setup_verify},
        {"install",
         "Install an image for WSL: copies it and the stock kernel, sets kernel= and "
         "kernelModules= in .wslconfig",
         setup_install},
        {"upgrade",
         "After a WSL update: rebuild the image for WSL's new kernel, boot-test it, and install "
         "it with that kernel (exit 1 with --check when one is due)",
         setup_upgrade},
        {"autoinstall enable",
         "Run `wslmod upgrade` when the distro starts after WSL's kernel changed (systemd unit "
         "or wsl.conf [boot] command)",
         setup_autoinstall_enable},
        {"autoinstall disable", "Remove the autoinstall hook, restoring the file it was in",
         setup_autoinstall_disable},
        {"autoinstall status", "Show the autoinstall hook and its last run",
         setup_autoinstall_status},
        {"autoinstall run", "What the hook runs: `wslmod upgrade` for a project, logged",
         setup_autoinstall_run},
        {"rollback", "Go back to the previously installed image (the one left is marked bad)",
         setup_rollback},
        {"uninstall",
         "Restore .wslconfig as it was before the first install and remove wslmod's files",
         setup_uninstall},
        {"doctor",
         "Check the toolchain, WSL's version, .wslconfig and the installed image, with a fix for "
         "each problem",
         setup_doctor},
        {"inspect", "List the modules in an image with release and vermagic, or diff two images",
         setup_inspect},
        {"headers install",
         "Install the kernel headers as /usr/src/linux-headers-<release>, for make -C and DKMS",
         setup_headers_install},
        {"headers deb", "Write the kernel headers as a linux-headers-<release> .deb package",
         setup_headers_deb},
        {"image pack", "Pack a modules folder into a reproducible, verified modules.vhdx",
         setup_image_pack},
        {"image ls", "List a folder inside a modules image (VHDX, VHD or raw)", setup_image_ls},
        {"image extract", "Extract a modules image into a new folder, without mount or root",
         setup_image_extract},
        {"image verify", "Check an image's structure and its ext4 consistency", setup_image_verify},
        {"kernel info",
         "Show the release and the config facts that decide whether a module can load",
         setup_kernel_info},
        {"kernel prepare",
         "Prepare a cached kernel-devel tree for the stock kernel, without building it",
         setup_kernel_prepare},
        {"kernel symvers",
         "Recover Module.symvers (symbol CRCs) from the stock kernel image and modules",
         setup_kernel_symvers},
        {"recipe list", "List the recipes on the search path (project, user, shipped)",
         setup_recipe_list},
        {"recipe show", "Show one recipe: source, modules, requirements", setup_recipe_show},
        {"recipe new", "Create a recipe folder from a template (kbuild, dkms, in-tree)",
         setup_recipe_new},
        {"recipe import-dkms", "Turn a DKMS source folder into an equivalent recipe folder",
         setup_recipe_import_dkms},
        {"recipe build",
         "Build recipes against a prepared kernel tree, in parallel, cached by content",
         setup_recipe_build},
    };
    return table;
}

std::string table_help() {
    size_t width = 0;
    for (const auto& row : subcommands())
        width = std::max(width, row.path.size());
    std::string out = "Commands:\n";
    for (const auto& row : subcommands())
        out += "  " + row.path + std::string(width + 2 - row.path.size(), ' ') + row.summary + "\n";
    return out + "\nRun `wslmod <command> --help` for a command's options.";
}

std::vector<std::pair<CLI::App*, Action>> register_subcommands(CLI::App& app) {
    static const std::map<std::string, std::string> group_help = {
        {"bundle", "Bundles: a project and its built modules in one file, for another machine"},
        {"headers", "Kernel headers for the distro: a folder in /usr/src, or a .deb"},
        {"image", "Modules images: pack, list, extract, verify"},
        {"kernel", "Kernel inputs: release, config, devel tree, Module.symvers"},
        {"recipe", "Recipes: how each set of modules is built"},
    };
    std::vector<std::pair<CLI::App*, Action>> out;
    for (const auto& row : subcommands()) {
        std::istringstream words(row.path);
        std::vector<std::string> parts{std::istream_iterator<std::string>(words), {}};
        CLI::App* parent = &app;
        for (size_t i = 0; i + 1 < parts.size(); ++i) {
            CLI::App* group = nullptr;
            for (auto* sub : parent->get_subcommands({}))
                if (sub->get_name() == parts[i]) group = sub;
            if (!group) {
                auto it = group_help.find(parts[i]);
                group = parent->add_subcommand(parts[i], it == group_help.end() ? "" : it->second);
                group->require_subcommand(1);
            }
            parent = group;
        }
        CLI::App* cmd = parent->add_subcommand(parts.back(), row.summary);
        out.emplace_back(cmd, row.setup(*cmd));
    }
    return out;
}

} // namespace wslmod::cli
