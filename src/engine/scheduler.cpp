#include "engine/scheduler.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "engine/jobserver.h"

namespace wslmod::engine {

RunResult run_plan(const Plan& plan, const TreeRef& tree, const BuildOptions& opt, bool keep_going,
                   util::CommandRunner& runner, const BuildObserver& observe) {
    enum class State { waiting, running, done, failed };
    const size_t n = plan.recipes.size();
    std::vector<State> state(n, State::waiting);
    RunResult result;
    for (const auto& p : plan.recipes)
        result.outcomes.push_back({p.recipe.name, p.requested, {}, {}});

    std::mutex mu;
    std::condition_variable cv;
    size_t finished = 0, running = 0;
    bool stopping = false;
    const size_t max_running = std::max(1u, opt.jobserver->jobs());
    std::vector<std::thread> threads;

    auto emit = [&](BuildEvent::Kind kind, size_t i, double seconds = 0) {
        if (observe) observe({kind, plan.recipes[i].recipe.name, finished, n, seconds});
    };
    // Under the lock: marks `i` finished.
    auto finish = [&](size_t i, State s) {
        state[i] = s;
        ++finished;
        if (s == State::failed) {
            ++result.failed;
            if (!keep_going) stopping = true;
        }
    };

    std::unique_lock lock(mu);
    while (finished < n) {
        bool progressed = false;
        for (size_t i = 0; i < n; ++i) {
            if (state[i] != State::waiting) continue;
            const auto& p = plan.recipes[i];
            std::optional<size_t> failed_dep;
            bool ready = true;
            for (auto d : p.deps) {
                if (state[d] == State::failed)
                    failed_dep = d;
                else if (state[d] != State::done)
                    ready = false;
            }
            if (failed_dep || (stopping && ready)) {
                result.outcomes[i].error =
                    failed_dep
                        ? util::Error{fmt::format(
                                          "recipe {} was not built: it depends on {}, which failed",
                                          p.recipe.name, plan.recipes[*failed_dep].recipe.name),
                                      p.recipe.file.string(), "", util::ExitCode::failed}
                        : util::Error{
                              fmt::format("recipe {} was not built: an earlier recipe failed",
                                          p.recipe.name),
                              p.recipe.file.string(), "pass --keep-going to build the rest",
                              util::ExitCode::failed};
                finish(i, State::failed);
                emit(BuildEvent::Kind::skipped, i);
                progressed = true;
                continue;
            }
            if (!ready) continue;
            if (auto hit = cached_build(p.recipe, p.key, opt.cache)) {
                result.outcomes[i].build = *hit;
                finish(i, State::done);
                emit(BuildEvent::Kind::cached, i);
                progressed = true;
                continue;
            }
            if (running >= max_running) continue;
            state[i] = State::running;
            ++running;
            progressed = true;
            emit(BuildEvent::Kind::started, i);
            std::vector<RecipeBuild> deps;
            for (auto d : p.deps)
                deps.push_back(*result.outcomes[d].build);
            threads.emplace_back([&, i, deps = std::move(deps)]() {
                opt.jobserver->acquire();
                auto built = build_recipe(plan.recipes[i].recipe, plan.recipes[i].key, tree, deps,
                                          opt, runner);
                opt.jobserver->release();
                std::lock_guard guard(mu);
                --running;
                if (built) {
                    result.outcomes[i].build = *built;
                    finish(i, State::done);
                    emit(BuildEvent::Kind::built, i, built->seconds);
                } else {
                    result.outcomes[i].error = built.error();
                    finish(i, State::failed);
                    emit(BuildEvent::Kind::failed, i);
                }
                cv.notify_all();
            });
        }
        if (!progressed && finished < n) cv.wait(lock);
    }
    lock.unlock();
    for (auto& t : threads)
        t.join();
    return result;
}

} // namespace wslmod::engine
