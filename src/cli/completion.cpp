#include "cli/completion.h"

#include <vector>

#include <fmt/format.h>

namespace wslmod::cli {
namespace {

struct Node {
    std::string path;                  // "" for wslmod itself, "kernel info" for a leaf
    std::vector<std::string> children; // subcommand words
    std::vector<std::string> options;  // every spelling: -j, --jobs
    std::vector<std::string> valued;   // the spellings that take a value
};

// `inherited`: the global options a subcommand passes up to wslmod itself (--json).
void collect(const CLI::App& app, const std::string& path,
             const std::vector<std::string>& inherited, std::vector<Node>& out) {
    Node node{path, {}, inherited, {}};
    std::vector<std::string> passed_on = inherited;
    for (const auto* opt : app.get_options()) {
        if (opt->get_group().empty() || !opt->nonpositional()) continue;
        std::vector<std::string> names;
        for (const auto& s : opt->get_snames())
            names.push_back("-" + s);
        for (const auto& l : opt->get_lnames())
            names.push_back("--" + l);
        bool global = path.empty() && opt != app.get_help_ptr() && opt != app.get_version_ptr();
        for (const auto& n : names) {
            node.options.push_back(n);
            if (opt->get_items_expected_max() != 0) node.valued.push_back(n);
            if (global) passed_on.push_back(n);
        }
    }
    auto subs = app.get_subcommands({});
    for (const auto* sub : subs)
        node.children.push_back(sub->get_name());
    out.push_back(node);
    for (const auto* sub : subs)
        collect(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), passed_on,
                out);
}

std::string words(const std::vector<std::string>& list) {
    std::string out;
    for (const auto& w : list)
        out += (out.empty() ? "" : " ") + w;
    return out;
}

} // namespace

std::string bash_completion(const CLI::App& app) {
    std::vector<Node> nodes;
    collect(app, "", {}, nodes);
    std::string children, options, valued;
    for (const auto& n : nodes) {
        if (!n.children.empty())
            children += fmt::format("    \"{}\") echo \"{}\" ;;\n", n.path, words(n.children));
        options += fmt::format("    \"{}\") echo \"{}\" ;;\n", n.path, words(n.options));
        for (const auto& v : n.valued)
            valued += fmt::format("    \"{}|{}\") return 0 ;;\n", n.path, v);
    }
    // The walk over the typed words keeps a word as a command only when it is a child of the
    // command so far, and skips the value after an option that takes one, so a file named like
    // a command does not move the path.
    return fmt::format(
        R"sh(# bash completion for wslmod, generated from its command table by wslmod-docgen; do not edit.
_wslmod_children() {{
  case "$1" in
{}  esac
}}
_wslmod_options() {{
  case "$1" in
{}  esac
}}
_wslmod_takes_value() {{
  case "$1|${{2%%=*}}" in
{}  esac
  return 1
}}
_wslmod() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} path="" w i kids
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${{COMP_WORDS[i]}}
    if [[ $w == -* ]]; then
      [[ $w != *=* ]] && _wslmod_takes_value "$path" "$w" && ((i++))
      continue
    fi
    kids=" $(_wslmod_children "$path") "
    [[ $kids == *" $w "* ]] && path=${{path:+$path }}$w
  done
  COMPREPLY=()
  if ((COMP_CWORD > 1)) && [[ ${{COMP_WORDS[COMP_CWORD-1]}} == -* ]] &&
     _wslmod_takes_value "$path" "${{COMP_WORDS[COMP_CWORD-1]}}"; then
    return 0 # a value: file names, through -o default
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_wslmod_options "$path")" -- "$cur"))
  else
    kids=$(_wslmod_children "$path")
    [[ -n $kids ]] && COMPREPLY=($(compgen -W "$kids" -- "$cur"))
  fi
  return 0
}}
complete -o default -F _wslmod wslmod
)sh",
        children, options, valued);
}

} // namespace wslmod::cli
