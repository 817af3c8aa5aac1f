// What a long project call tells its caller while it runs.  The library says what happens; the
// front end decides how it looks (cli/console.h: a status line on a TTY, lines in a pipe, and
// nothing but the document with --json).  Every method may be called from a build worker
// thread, one call at a time.
#pragma once

#include <string>

#include "engine/scheduler.h"

namespace wslmod::project {

class Reporter {
  public:
    virtual ~Reporter() = default;
    // A status the next one replaces ("prepare: fetching linux-6.12.tar.xz"); `done` says the
    // last one is no longer true, before anything else is printed.
    virtual void step(const std::string& /*what*/) {}
    virtual void done() {}
    virtual void build_event(const engine::BuildEvent& /*event*/) {}
    // Something the user should know and the result does not carry.
    virtual void warn(const std::string& /*text*/) {}
    virtual void note(const std::string& /*text*/) {}
    virtual void say(const std::string& /*text*/) {}
    // Text for the user even with --json: a failed build's log tail, one error of several.
    virtual void diagnostic(const std::string& /*text*/) {}
};

// Says nothing: for tests and for calls whose caller prints only the result.
inline Reporter& quiet() {
    static Reporter r;
    return r;
}

} // namespace wslmod::project
