#include "engine/steps.h"

#include "kernel/compiler.h"

#include <regex>

#include <fmt/format.h>

namespace wslmod::engine {

std::set<std::string> kbuild_module_symbols(const std::string& text) {
    std::set<std::string> out;
    static const std::regex obj(R"(^\s*obj-\$\(CONFIG_([A-Za-z0-9_]+)\))", std::regex::multiline);
    for (std::sregex_iterator it(text.begin(), text.end(), obj), end; it != end; ++it)
        out.insert((*it)[1].str());
    return out;
}

std::string kconfig_header(const std::map<std::string, std::string>& kconfig) {
    std::string out =
        "/* Written by wslmod: the recipe's [kconfig] options, as autoconf.h would have them. */\n";
    for (const auto& [sym, value] : kconfig) {
        (void)value; // always "m": recipe parsing refuses anything else
        out += fmt::format("#define CONFIG_{}_MODULE 1\n", sym);
    }
    return out;
}

std::filesystem::path kconfig_header_path(const std::filesystem::path& build_dir) {
    return build_dir / ".wslmod-kconfig.h";
}

std::vector<std::string> launcher_overrides(const std::string& cc_launcher, const std::string& cc) {
    return kernel::cc_vars(cc, cc_launcher);
}

std::string reproducible_cflags(const recipe::Recipe& r, const StepContext& ctx) {
    return fmt::format(
        "-ffile-prefix-map={}=/usr/src/{}-{} -ffile-prefix-map={}=/usr/src/linux-headers-{}",
        ctx.build_dir.string(), r.name, r.version, ctx.tree.string(), ctx.release);
}

std::vector<Step> build_steps(const recipe::Recipe& r, const StepContext& ctx) {
    // KCFLAGS reaches Kbuild from the environment (a dkms.conf's own make line) or the command
    // line (kernel-tree recipes); a recipe's own KCFLAGS comes after ours.
    std::string kcflags = reproducible_cflags(r, ctx);
    if (auto user = r.make_env.find("KCFLAGS"); user != r.make_env.end())
        kcflags += " " + user->second;
    std::string extra;
    for (const auto& s : ctx.extra_symbols)
        extra += (extra.empty() ? "" : " ") + s.string();

    // `more`: Module.symvers files of the recipe's own earlier kernel-tree folders, so that a
    // module in one folder can use another folder's exports (hid-playstation and
    // led-class-multicolor) on a kernel whose stock modules have neither.
    auto with_env = [&](util::Command cmd, const std::string& more = "") {
        cmd.in(ctx.build_dir)
            .with_env("kernelver", ctx.release)
            .with_env("kernel_source_dir", ctx.tree.string())
            .with_env("build_dir", ctx.build_dir.string())
            .with_env("arch", ctx.arch)
            .with_env("MAKEFLAGS", ctx.makeflags);
        if (!ctx.dkms_tree.empty())
            cmd.with_env("dkms_tree", ctx.dkms_tree.string())
                .with_env("source_tree", ctx.source_tree.string())
                .with_env("install_tree", "/lib/modules")
                .with_env("kernel_config", (ctx.tree / ".config").string())
                .with_env("module", ctx.package)
                .with_env("module_version", ctx.package_version)
                .with_env("PACKAGE_NAME", ctx.package)
                .with_env("PACKAGE_VERSION", ctx.package_version);
        auto symbols = extra + (extra.empty() || more.empty() ? "" : " ") + more;
        if (!symbols.empty()) cmd.with_env("KBUILD_EXTRA_SYMBOLS", symbols);
        for (const auto& [k, v] : r.make_env)
            cmd.with_env(k, v);
        cmd.with_env("KCFLAGS", kcflags);
        return cmd;
    };
    auto shell = [&](const std::string& what, const std::string& script) {
        return Step{what, with_env(util::Command({"bash", "-c", script}))};
    };

    std::vector<Step> steps;
    if (!r.pre_build.empty()) steps.push_back(shell("pre-build", r.pre_build));
    if (!r.command.empty()) {
        steps.push_back(shell("build", r.command));
    } else if (r.source == recipe::SourceKind::kernel_tree) {
        std::string earlier;
        for (const auto& folder : r.kernel_tree) {
            std::vector<std::string> argv{"make", "-C", ctx.tree.string(),
                                          "M=" + (ctx.build_dir / folder).string()};
            auto it = ctx.kbuild.find(folder);
            std::set<std::string> selecting = it == ctx.kbuild.end()
                                                  ? std::set<std::string>{}
                                                  : kbuild_module_symbols(it->second);
            for (const auto& [sym, value] : r.kconfig)
                if (selecting.count(sym)) argv.push_back(fmt::format("CONFIG_{}={}", sym, value));
            for (const auto& sym : selecting)
                if (!r.kconfig.count(sym)) argv.push_back(fmt::format("CONFIG_{}=", sym));
            argv.push_back("KCFLAGS=-include " + kconfig_header_path(ctx.build_dir).string() + " " +
                           kcflags);
            argv.insert(argv.end(), r.make_args.begin(), r.make_args.end());
            argv.push_back("modules");
            steps.push_back({"build " + folder, with_env(util::Command(argv), earlier)});
            earlier +=
                (earlier.empty() ? "" : " ") + (ctx.build_dir / folder / "Module.symvers").string();
        }
    } else {
        std::vector<std::string> argv{"make", "-C", ctx.tree.string(),
                                      "M=" + ctx.build_dir.string()};
        argv.insert(argv.end(), r.make_args.begin(), r.make_args.end());
        argv.push_back("modules");
        steps.push_back({"build", with_env(util::Command(argv))});
    }
    if (!r.post_build.empty()) steps.push_back(shell("post-build", r.post_build));
    return steps;
}

} // namespace wslmod::engine
