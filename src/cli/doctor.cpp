#include "cli/doctor.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/windows_options.h"
#include "project/doctor.h"

namespace wslmod::cli {

Action setup_doctor(CLI::App& app) {
    auto win = add_windows_options(app);
    return [win](const Context& ctx) -> util::Result<int> {
        auto r = project::diagnose(*win, *ctx.runner);
        bool failed = r.failed();
        if (ctx.json) {
            auto arr = nlohmann::json::array();
            for (const auto& c : r.checks)
                arr.push_back({{"name", c.name},
                               {"status", c.status},
                               {"message", c.message},
                               {"fix", c.fix}});
            ctx.emit_json({{"checks", arr}, {"stale", r.stale}, {"ok", !failed}});
        } else {
            for (const auto& c : r.checks) {
                *ctx.out << fmt::format("{:<5} {:<13} {}\n", c.status, c.name, c.message);
                if (!c.fix.empty() && c.status != "ok")
                    *ctx.out << fmt::format("{:19} fix: {}\n", "", c.fix);
            }
            if (r.stale) *ctx.out << "the installed image is stale\n";
        }
        return failed ? 1 : 0;
    };
}

} // namespace wslmod::cli
