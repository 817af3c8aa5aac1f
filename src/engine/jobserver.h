// One job budget shared by every make that wslmod starts, through GNU make's own jobserver
// protocol (make 4.3: a pipe holding one byte per free job slot, named to children by
// MAKEFLAGS=" -jN --jobserver-auth=R,W").  Hand-written because no library offers it: it is a
// pipe and a string.
//
// Each running recipe holds one slot for its top-level make (make's "implicit" job); every
// further compiler that make starts takes a byte from the pipe and returns it.  So N recipes
// building at once never run more than N jobs in all.  When wslmod itself runs under make with
// a jobserver (MAKEFLAGS holds --jobserver-auth and the descriptors are open), it joins that
// one instead of creating its own, and its budget is the parent's.
#pragma once

#include <optional>
#include <string>

#include "util/error.h"

namespace wslmod::engine {

class Jobserver {
  public:
    // A jobserver for `jobs` slots (at least 1), or the parent's one found in `makeflags`.
    static util::Result<Jobserver> create(unsigned jobs, const std::string& makeflags);
    Jobserver(Jobserver&& o) noexcept;
    Jobserver& operator=(Jobserver&&) = delete;
    ~Jobserver();

    unsigned jobs() const { return jobs_; }
    bool inherited() const { return inherited_; }

    // Blocks until a slot is free, then holds it.
    void acquire();
    void release();

    // The MAKEFLAGS value that makes a child make join this jobserver; `overrides` are
    // variable assignments ("CC=ccache gcc") every make should see as command-line ones.
    std::string makeflags(const std::vector<std::string>& overrides = {}) const;

  private:
    Jobserver() = default;
    int read_ = -1, write_ = -1;
    unsigned jobs_ = 1;
    bool inherited_ = false;
};

// The -j budget named by MAKEFLAGS ("-j4", "j4" or "--jobs=4"), if any.
std::optional<unsigned> makeflags_jobs(const std::string& makeflags);

} // namespace wslmod::engine
