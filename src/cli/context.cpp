#include "cli/context.h"

#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace wslmod::cli {

void Context::emit_json(const nlohmann::json& doc) const {
    *out << doc.dump(2) << '\n';
}

void Context::emit_error_details(const util::Error& e) const {
    if (!json || e.details.empty()) return;
    auto doc = nlohmann::json::parse(e.details, nullptr, false);
    if (!doc.is_object()) return;
    doc["error"] = e.message();
    emit_json(doc);
}

void Context::print_timings(const std::string& what, const util::Timings& t) const {
    if (timings && err)
        *err << fmt::format("wslmod: timings: {}: {}\n", what, util::format_timings(t));
}

} // namespace wslmod::cli
