#include "cli/context.h"

#include <ostream>

#include <nlohmann/json.hpp>

namespace wslmod::cli {

void Context::emit_json(const nlohmann::json& doc) const {
    *out << doc.dump(2) << '\n';
}

} // namespace wslmod::cli
