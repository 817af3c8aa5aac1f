#include "image/write_cache.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace wslmod::image {

WriteCache::WriteCache(BlockDevice& device, WriteCacheOptions options)
    : device_(device), options_(options) {}

void WriteCache::update_cached(uint64_t offset, std::span<const std::byte> data) {
    const uint64_t page = options_.page, end = offset + data.size();
    for (auto it = pages_.lower_bound(offset / page); it != pages_.end(); ++it) {
        uint64_t start = it->first * page;
        if (start >= end) break;
        uint64_t from = std::max(start, offset), to = std::min(start + page, end);
        std::memcpy(it->second.bytes.get() + (from - start), data.data() + (from - offset),
                    to - from);
    }
}

util::Result<void> WriteCache::pread(uint64_t offset, std::span<std::byte> out) {
    if (offset > size() || out.size() > size() - offset)
        return util::fail(fmt::format("read past the end of the device at {}", offset));
    if (out.empty()) return {};
    const uint64_t page = options_.page, end = offset + out.size();
    if (out.size() >= options_.bypass) {
        ++device_reads_;
        WSLMOD_CHECK(device_.pread(offset, out));
        // Cached pages are as new as the device's bytes or newer.
        for (auto it = pages_.lower_bound(offset / page); it != pages_.end(); ++it) {
            uint64_t start = it->first * page;
            if (start >= end) break;
            uint64_t from = std::max(start, offset), to = std::min(start + page, end);
            std::memcpy(out.data() + (from - offset), it->second.bytes.get() + (from - start),
                        to - from);
        }
        return {};
    }
    for (uint64_t p = offset / page, last = (end - 1) / page; p <= last;) {
        auto it = pages_.find(p);
        if (it == pages_.end()) {
            // One device read for the run of missing pages, brought in clean.
            uint64_t q = p;
            while (q + 1 <= last && !pages_.count(q + 1))
                ++q;
            uint64_t at = p * page, length = (q - p + 1) * page;
            uint64_t have = std::min(length, size() - at);
            std::vector<std::byte> run(length);
            ++device_reads_;
            WSLMOD_CHECK(device_.pread(at, std::span(run).first(have)));
            for (uint64_t i = p; i <= q; ++i) {
                Page fresh{std::make_unique_for_overwrite<std::byte[]>(page), false};
                std::memcpy(fresh.bytes.get(), run.data() + (i - p) * page, page);
                pages_.emplace(i, std::move(fresh));
            }
            continue; // the loop now finds them
        }
        uint64_t start = p * page;
        uint64_t from = std::max(start, offset), to = std::min(start + page, end);
        std::memcpy(out.data() + (from - offset), it->second.bytes.get() + (from - start),
                    to - from);
        ++p;
    }
    return trim();
}

util::Result<void> WriteCache::pwrite(uint64_t offset, std::span<const std::byte> data) {
    if (offset > size() || data.size() > size() - offset)
        return util::fail(fmt::format("write past the end of the device at {}", offset));
    if (data.empty()) return {};
    if (data.size() >= options_.bypass) {
        ++device_writes_;
        WSLMOD_CHECK(device_.pwrite(offset, data));
        update_cached(offset, data);
        return {};
    }
    const uint64_t page = options_.page, end = offset + data.size();
    for (uint64_t p = offset / page, last = (end - 1) / page; p <= last; ++p) {
        uint64_t start = p * page;
        uint64_t from = std::max(start, offset), to = std::min(start + page, end);
        auto it = pages_.find(p);
        if (it == pages_.end()) {
            Page fresh{std::make_unique_for_overwrite<std::byte[]>(page), false};
            if (to - from < page) { // only part of it is written: the rest comes from the device
                uint64_t have = std::min(page, size() - start);
                ++device_reads_;
                WSLMOD_CHECK(device_.pread(start, {fresh.bytes.get(), have}));
                std::fill(fresh.bytes.get() + have, fresh.bytes.get() + page, std::byte{0});
            }
            it = pages_.emplace(p, std::move(fresh)).first;
        }
        std::memcpy(it->second.bytes.get() + (from - start), data.data() + (from - offset),
                    to - from);
        it->second.dirty = true;
    }
    return trim();
}

util::Result<void> WriteCache::write_back() {
    const uint64_t page = options_.page;
    std::vector<std::byte> run;
    uint64_t run_start = 0;
    std::vector<Page*> in_run;
    auto emit = [&]() -> util::Result<void> {
        if (run.empty()) return {};
        uint64_t length = std::min<uint64_t>(run.size(), size() - run_start);
        ++device_writes_;
        WSLMOD_CHECK(device_.pwrite(run_start, std::span(run).first(length)));
        for (auto* p : in_run) // clean only once the write that carries them succeeded
            p->dirty = false;
        run.clear();
        in_run.clear();
        return {};
    };
    for (auto& [index, p] : pages_) {
        if (!p.dirty) {
            WSLMOD_CHECK(emit());
            continue;
        }
        if (!run.empty() &&
            (run_start + run.size() != index * page || run.size() >= options_.max_run))
            WSLMOD_CHECK(emit());
        if (run.empty()) run_start = index * page;
        run.insert(run.end(), p.bytes.get(), p.bytes.get() + page);
        in_run.push_back(&p);
    }
    return emit();
}

util::Result<void> WriteCache::trim() {
    if (cached_bytes() <= options_.capacity) return {};
    WSLMOD_CHECK(write_back());
    pages_.clear();
    return {};
}

util::Result<void> WriteCache::flush() {
    WSLMOD_CHECK(write_back());
    return device_.flush();
}

} // namespace wslmod::image
