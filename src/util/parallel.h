// parallel_for: runs task(i) for i in [0, n) on `jobs` threads (the caller's included), in no
// particular order.  The first error stops the handing out of new indexes and is returned.
// parallel_for_workers also passes the worker's number (0 is the caller's thread, all below
// jobs), so that a task can use per-worker state that is not thread-safe (a libkmod context).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "util/error.h"

namespace wslmod::util {

inline Result<void>
parallel_for_workers(size_t n, unsigned jobs,
                     const std::function<Result<void>(size_t, unsigned)>& task) {
    std::atomic<size_t> next{0};
    std::mutex mutex;
    std::optional<Error> error;
    auto work = [&](unsigned worker) {
        for (size_t i; (i = next++) < n;) {
            auto r = task(i, worker);
            if (r) continue;
            std::lock_guard lock(mutex);
            if (!error) error = r.error();
            next = n;
        }
    };
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < std::max(1u, jobs) && t < n; ++t)
        threads.emplace_back(work, t);
    work(0);
    for (auto& t : threads)
        t.join();
    if (error) return tl::unexpected(*error);
    return {};
}

inline Result<void> parallel_for(size_t n, unsigned jobs,
                                 const std::function<Result<void>(size_t)>& task) {
    return parallel_for_workers(n, jobs, [&](size_t i, unsigned) { return task(i); });
}

} // namespace wslmod::util
