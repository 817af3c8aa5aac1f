// SHA-256 on a worker thread, fed with chunks in order, so that hashing (CPU) overlaps the
// caller's reads and writes (I/O).  At most `max_in_flight` chunks wait at a time, which bounds
// memory; spent buffers come back through take_buffer() for reuse.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "util/sha256.h"

namespace wslmod::util {

class BackgroundSha256 {
  public:
    explicit BackgroundSha256(size_t chunk_size = 1 << 20, size_t max_in_flight = 4);
    ~BackgroundSha256();
    BackgroundSha256(const BackgroundSha256&) = delete;
    BackgroundSha256& operator=(const BackgroundSha256&) = delete;

    // A buffer of chunk_size bytes to fill (recycled when possible).
    std::vector<std::byte> take_buffer();
    // Queues the first `used` bytes of `chunk` for hashing; blocks while the queue is full.
    void submit(std::vector<std::byte> chunk, size_t used);
    // Waits for every queued chunk and returns the digest.  Call once.
    Digest finish();

  private:
    void run();
    size_t chunk_size_, max_in_flight_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::pair<std::vector<std::byte>, size_t>> queue_;
    std::vector<std::vector<std::byte>> free_;
    bool closing_ = false;
    Sha256 sha_;
    std::thread worker_;
};

} // namespace wslmod::util
