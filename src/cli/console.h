// How the library's progress and messages look on stderr (project/reporter.h), for one run:
//   on a TTY   one status line, rewritten in place ("\r" + erase-line) and erased before any
//              other output; "warning:" and "error:" in colour unless NO_COLOR is set
//   in a pipe  no status line and no escape codes; a finished recipe build is one line
//   --json     only warnings and diagnostics: stdout carries the one document
// TERM=dumb counts as a pipe: such a terminal cannot erase a line.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "project/reporter.h"

namespace wslmod::cli {

class Console final : public project::Reporter {
  public:
    // `tty` and `color` as for_stderr() finds them; separate so that tests can pick.
    Console(std::ostream& err, bool json, bool tty, bool color);
    // For std::cerr: a TTY when fd 2 is one and TERM is not dumb; colour unless NO_COLOR is set.
    static Console for_stderr(std::ostream& err, bool json);

    void step(const std::string& what) override;
    void done() override;
    void build_event(const engine::BuildEvent& event) override;
    void warn(const std::string& text) override;
    void note(const std::string& text) override;
    void say(const std::string& text) override;
    void diagnostic(const std::string& text) override;
    // The one error line of a failed command (main.cpp).
    void error(const std::string& text);

  private:
    std::string label(const char* word, const char* colour) const;

    std::ostream& err_;
    bool json_, tty_, color_;
    std::vector<std::string> building_; // recipes being built now, for the status line
};

} // namespace wslmod::cli
