#include "util/timings.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace wslmod::util {

std::string format_timings(const Timings& t) {
    std::string out;
    for (const auto& [step, seconds] : t)
        out += fmt::format("{}{} {:.2f} s", out.empty() ? "" : ", ", step, seconds);
    return out + fmt::format("{}(total {:.2f} s)", out.empty() ? "" : " ", total(t));
}

nlohmann::json timings_json(const Timings& t) {
    auto out = nlohmann::json::object();
    for (const auto& [step, seconds] : t)
        out[step] = out.value(step, 0.0) + seconds;
    return out;
}

} // namespace wslmod::util
