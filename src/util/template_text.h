// Fills @NAME@ placeholders (upper-case letters, digits and '_') in a shipped template.  Written
// by hand: it is one loop, and a template engine would bring a syntax of its own to the files
// users copy.  A placeholder with no value is an error that names it, so a template and the
// code that fills it cannot drift apart unnoticed.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "util/error.h"

namespace wslmod::util {

// `text` with every @NAME@ replaced by values.at(NAME); `origin` names the template in errors.
Result<std::string> fill_template(std::string_view text,
                                  const std::map<std::string, std::string>& values,
                                  const std::string& origin);

} // namespace wslmod::util
