#include "support/fake_runner.h"

#include <chrono>

namespace wslmod::test {

FakeRunner& FakeRunner::on(Match match, int exit_code, std::string output, Effect effect) {
    std::lock_guard lock(mu_);
    rules_.push_back({std::move(match), exit_code, std::move(output), std::move(effect)});
    return *this;
}

FakeRunner& FakeRunner::on(const std::string& program, int exit_code, std::string output,
                           Effect effect) {
    return on([program](const util::Command& c) { return !c.argv.empty() && c.argv[0] == program; },
              exit_code, std::move(output), std::move(effect));
}

util::Result<util::CommandOutput> FakeRunner::run(const util::Command& cmd) {
    Rule rule{nullptr, 127, "fake runner: not scripted", nullptr};
    {
        std::unique_lock lock(mu_);
        calls_.push_back(cmd);
        for (auto it = rules_.rbegin(); it != rules_.rend(); ++it)
            if (it->match(cmd)) {
                rule = *it;
                break;
            }
        max_running_ = std::max(max_running_, ++running_);
        cv_.notify_all();
        cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return running_ >= want_; });
    }
    if (rule.effect) rule.effect(cmd);
    std::lock_guard lock(mu_);
    --running_;
    util::CommandOutput out;
    out.exit_code = rule.exit_code;
    out.output = rule.output;
    return out;
}

std::vector<util::Command> FakeRunner::calls() const {
    std::lock_guard lock(mu_);
    return calls_;
}

size_t FakeRunner::count(const Match& match) const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& c : calls_)
        n += match(c) ? 1 : 0;
    return n;
}

size_t FakeRunner::max_concurrent() const {
    std::lock_guard lock(mu_);
    return max_running_;
}

std::string arg_value(const util::Command& cmd, const std::string& prefix) {
    for (const auto& a : cmd.argv)
        if (a.starts_with(prefix)) return a.substr(prefix.size());
    return {};
}

} // namespace wslmod::test
