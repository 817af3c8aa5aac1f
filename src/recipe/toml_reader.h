// The checks every wslmod TOML file shares (recipe.toml, wslmod.toml): known keys only, typed
// values, and every error at file:line with the fix.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "util/error.h"

namespace wslmod::recipe {

class TomlReader {
  public:
    explicit TomlReader(std::filesystem::path file) : file_(std::move(file)) {}

    std::string at(const toml::source_region& r) const {
        return fmt::format("{}:{}", file_.string(), r.begin.line);
    }
    std::string at(const toml::node& n) const { return at(n.source()); }

    // Every key of `t` must be one of `known`; `where` ends the message (" in [source]").
    util::Result<void> only(const toml::table& t, std::initializer_list<const char*> known,
                            const std::string& where) const {
        for (auto&& [k, v] : t) {
            bool ok = false;
            std::string names;
            for (auto* name : known) {
                ok = ok || k.str() == name;
                names += (names.empty() ? "" : ", ") + std::string(name);
            }
            if (!ok)
                return util::bad_input(fmt::format("unknown key '{}'{}", k.str(), where),
                                       at(k.source()), "known keys here: " + names);
        }
        return {};
    }

    util::Result<std::string> string(const toml::node& n, const std::string& key) const {
        if (auto s = n.value<std::string>()) return *s;
        return util::bad_input(fmt::format("'{}' must be a string", key), at(n),
                               fmt::format("write {} = \"...\"", key));
    }

    util::Result<bool> boolean(const toml::node& n, const std::string& key) const {
        if (auto b = n.value_exact<bool>()) return *b;
        return util::bad_input(fmt::format("'{}' must be true or false", key), at(n),
                               fmt::format("write {} = true", key));
    }

    util::Result<std::vector<std::string>> strings(const toml::node& n,
                                                   const std::string& key) const {
        auto* arr = n.as_array();
        if (!arr)
            return util::bad_input(fmt::format("'{}' must be an array of strings", key), at(n),
                                   fmt::format("write {} = [\"...\"]", key));
        std::vector<std::string> out;
        for (auto&& item : *arr)
            out.push_back(WSLMOD_TRY(string(item, key + " item")));
        return out;
    }

  protected:
    std::filesystem::path file_;
};

} // namespace wslmod::recipe
