#include "util/process.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

extern char** environ;

namespace wslmod::util {
namespace {

std::vector<std::string> merged_environment(const Command& cmd) {
    std::vector<std::string> out;
    for (char** e = environ; *e; ++e) {
        std::string_view kv(*e);
        auto key = kv.substr(0, kv.find('='));
        bool replaced = false;
        for (const auto& [k, v] : cmd.env)
            replaced = replaced || k == key;
        if (!replaced) out.emplace_back(kv);
    }
    for (const auto& [k, v] : cmd.env)
        out.push_back(k + "=" + v);
    return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

} // namespace

std::optional<std::filesystem::path> find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) {
        if (access(name.c_str(), X_OK) == 0) return std::filesystem::path(name);
        return std::nullopt;
    }
    const char* path = getenv("PATH");
    std::string_view rest = path ? path : "/usr/local/bin:/usr/bin:/bin";
    while (!rest.empty()) {
        auto colon = rest.find(':');
        std::string dir(rest.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
        auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

std::string shell_quote(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& arg : argv) {
        if (!out.empty()) out += ' ';
        bool plain =
            !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                  "0123456789_-+=/.,:@%") == std::string::npos;
        if (plain) {
            out += arg;
            continue;
        }
        out += '\'';
        for (char c : arg)
            out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    return out;
}

Result<CommandOutput> SystemRunner::run(const Command& cmd) {
    if (cmd.argv.empty()) return fail("empty command line");
    auto program = find_program(cmd.argv[0]);
    if (!program)
        return fail("program not found in PATH", cmd.argv[0], "install it (scripts/setup does)");

    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) return fail(fmt::format("pipe: {}", strerror(errno)));

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::string in = cmd.stdin_file ? cmd.stdin_file->string() : "/dev/null";
    posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2);
    if (!cmd.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cmd.cwd.c_str());

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigdefault(&attr, &all);

    auto argv_strings = cmd.argv;
    auto env_strings = merged_environment(cmd);
    auto argv = c_strings(argv_strings);
    auto envp = c_strings(env_strings);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, program->c_str(), &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        return fail(fmt::format("cannot start: {}", strerror(rc)), shell_quote(cmd.argv));
    }

    CommandOutput out;
    using clock = std::chrono::steady_clock;
    auto deadline = cmd.timeout ? clock::now() + *cmd.timeout : clock::time_point::max();
    char buf[65536];
    for (;;) {
        int wait_ms = -1;
        if (cmd.timeout) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
            if (left.count() <= 0) {
                out.timed_out = true;
                kill(-pid, SIGKILL);
                break;
            }
            wait_ms = static_cast<int>(left.count());
        }
        pollfd pfd{pipefd[0], POLLIN, 0};
        int n = poll(&pfd, 1, wait_ms);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) continue; // deadline check at the top of the loop
        ssize_t got = read(pipefd[0], buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        out.output.append(buf, static_cast<size_t>(got));
    }
    close(pipefd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (out.timed_out) kill(-pid, SIGKILL); // leftovers of the group
    out.exit_code = decode_status(status);
    return out;
}

void remove_stale_temporaries(const std::filesystem::path& dir) {
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        auto name = it->path().filename().string();
        if (!name.starts_with(".tmp-")) continue;
        auto dash = name.rfind('-'), dot = name.find(".log");
        pid_t pid = static_cast<pid_t>(std::atoi(
            name.substr(dash + 1, dot == std::string::npos ? std::string::npos : dot - dash - 1)
                .c_str()));
        std::error_code rm;
        if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH)
            std::filesystem::remove_all(it->path(), rm);
    }
}

} // namespace wslmod::util
