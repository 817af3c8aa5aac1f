// A CommandRunner for unit tests: scripted results, recorded calls, and effects per call (such
// as the files a real make would have written), so that logic which runs programs is tested
// without running any.  Thread-safe: the build scheduler calls it from its workers.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "util/process.h"

namespace wslmod::test {

class FakeRunner final : public util::CommandRunner {
  public:
    using Match = std::function<bool(const util::Command&)>;
    using Effect = std::function<void(const util::Command&)>;

    // Commands matching `match` exit with `exit_code`, print `output` and then run `effect`.
    // The rule added last wins; a command no rule matches exits 127 ("not scripted").
    FakeRunner& on(Match match, int exit_code, std::string output = {}, Effect effect = {});
    // Shorthand: commands whose argv[0] is `program`.
    FakeRunner& on(const std::string& program, int exit_code, std::string output = {},
                   Effect effect = {});

    util::Result<util::CommandOutput> run(const util::Command& cmd) override;

    // Every command run so far, in order.
    std::vector<util::Command> calls() const;
    // How many of them `match` matches.
    size_t count(const Match& match) const;
    // The largest number of commands that ran at the same time.
    size_t max_concurrent() const;
    // Makes each call wait (up to half a second) until `n` calls run at once, so that a test of
    // parallelism does not depend on thread timing: a scheduler that runs them one by one
    // still shows a maximum of 1.
    void expect_concurrency(size_t n) { want_ = n; }

  private:
    struct Rule {
        Match match;
        int exit_code;
        std::string output;
        Effect effect;
    };
    mutable std::mutex mu_;
    std::condition_variable cv_;
    size_t want_ = 1;
    std::vector<Rule> rules_;
    std::vector<util::Command> calls_;
    size_t running_ = 0, max_running_ = 0;
};

// The value of the argument "<prefix><value>" in `cmd` (e.g. "M="), or "".
std::string arg_value(const util::Command& cmd, const std::string& prefix);

} // namespace wslmod::test
