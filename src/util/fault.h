// Fault injection for crash-safety tests.  A multi-step write calls fault_point() between its
// steps; with WSLMOD_KILL_AT=N in the environment the Nth call in the process raises SIGKILL, as
// a power cut or `kill -9` would, so a test can stop an install at every step and check that
// what is on disk is the old state or the new one, never a mix.  Without the variable it costs
// one getenv per call.  (Hand-written: a counter and a signal; no library does less.)
//
// WSLMOD_FAIL_WRITES=TEXT makes every write_file()/append_file() whose path contains TEXT fail
// with ENOSPC, as a full disk would, so a test can show that a failed write publishes nothing.
#pragma once

#include <string_view>

namespace wslmod::util {

// Counts this point; kills the process here when the count reaches WSLMOD_KILL_AT.  `name`
// goes to stderr first, so a test can tell where each kill landed.
void fault_point(const char* name);

// Whether a write to `path` is to fail (WSLMOD_FAIL_WRITES, above).
bool write_fails(std::string_view path);

} // namespace wslmod::util
