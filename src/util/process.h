// CommandRunner: the one seam through which wslmod runs other programs (make, depmod, bash,
// qemu).  Logic that runs commands takes a CommandRunner&, so its tests can pass a fake.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/error.h"

namespace wslmod::util {

struct Command {
    std::vector<std::string> argv;                        // argv[0] is looked up in PATH
    std::vector<std::pair<std::string, std::string>> env; // added to (or replacing in) environ
    std::filesystem::path cwd;                            // empty: inherit
    std::optional<std::chrono::milliseconds> timeout;     // whole process group killed after it
    std::optional<std::filesystem::path> stdin_file;      // default /dev/null

    Command(std::vector<std::string> args) : argv(std::move(args)) {}
    Command& in(std::filesystem::path dir) {
        cwd = std::move(dir);
        return *this;
    }
    Command& with_env(std::string key, std::string value) {
        env.emplace_back(std::move(key), std::move(value));
        return *this;
    }
    Command& with_timeout(std::chrono::milliseconds t) {
        timeout = t;
        return *this;
    }
};

struct CommandOutput {
    int exit_code = -1;     // exit status, or 128+signal when killed by a signal
    bool timed_out = false; // killed because the timeout passed
    std::string output;     // stdout and stderr, interleaved as written
};

class CommandRunner {
  public:
    virtual ~CommandRunner() = default;
    // Runs `cmd` to completion.  A non-zero exit is not an error here; failing to start is.
    virtual Result<CommandOutput> run(const Command& cmd) = 0;
};

// Runs commands as real child processes in their own process group.
class SystemRunner final : public CommandRunner {
  public:
    Result<CommandOutput> run(const Command& cmd) override;
};

// Looks `name` up in PATH (or returns it if it contains a slash and exists).
std::optional<std::filesystem::path> find_program(const std::string& name);

// Removes the entries of `dir` named ".tmp-<anything>-<pid>" (optionally followed by ".log")
// whose process is gone: the temporaries of a killed wslmod.
void remove_stale_temporaries(const std::filesystem::path& dir);

// Renders argv as a shell-quoted line, for logs and error messages.
std::string shell_quote(const std::vector<std::string>& argv);

} // namespace wslmod::util
