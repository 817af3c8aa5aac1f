// Wall time per step of a long command, in the order the steps ran: what `--timings` prints and
// what `--json` documents carry as "seconds".  A step that runs twice (a retry) is listed twice.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace wslmod::util {

using Timings = std::vector<std::pair<std::string, double>>;

// Laps into a Timings: each lap() records the time since the previous lap (or since the
// stopwatch was made) under the step's name.
class Stopwatch {
  public:
    explicit Stopwatch(Timings& out) : out_(&out) {}
    void lap(const std::string& step) {
        auto now = std::chrono::steady_clock::now();
        out_->emplace_back(step, std::chrono::duration<double>(now - last_).count());
        last_ = now;
    }
    // Starts the next step now, leaving the time since the last lap out of every step.
    void skip() { last_ = std::chrono::steady_clock::now(); }

  private:
    Timings* out_;
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// The sum of the steps.
inline double total(const Timings& t) {
    double s = 0;
    for (const auto& [step, seconds] : t)
        s += seconds;
    return s;
}

// "extract 4.10 s, configure 1.92 s, ... (total 12.30 s)": the one line `--timings` prints.
std::string format_timings(const Timings& t);

// {"extract": 4.1, "configure": 1.92, ...}: the "seconds" of a --json document.  A step that
// ran twice is summed.
nlohmann::json timings_json(const Timings& t);

} // namespace wslmod::util
