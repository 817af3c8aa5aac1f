#include "util/background_sha256.h"

namespace wslmod::util {

BackgroundSha256::BackgroundSha256(size_t chunk_size, size_t max_in_flight)
    : chunk_size_(chunk_size), max_in_flight_(max_in_flight), worker_([this] { run(); }) {}

BackgroundSha256::~BackgroundSha256() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    changed_.notify_all();
    if (worker_.joinable()) worker_.join();
}

std::vector<std::byte> BackgroundSha256::take_buffer() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) return std::vector<std::byte>(chunk_size_);
    auto buf = std::move(free_.back());
    free_.pop_back();
    return buf;
}

void BackgroundSha256::submit(std::vector<std::byte> chunk, size_t used) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < max_in_flight_; });
    queue_.emplace_back(std::move(chunk), used);
    changed_.notify_all();
}

void BackgroundSha256::run() {
    for (;;) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return; // closing, nothing left
        auto [chunk, used] = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        sha_.update(std::span(chunk.data(), used));
        lock.lock();
        free_.push_back(std::move(chunk));
        changed_.notify_all();
    }
}

Digest BackgroundSha256::finish() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    changed_.notify_all();
    worker_.join();
    return sha_.finish();
}

} // namespace wslmod::util
