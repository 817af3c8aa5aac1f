// Errors as values.  Library code returns Result<T>; the CLI edge prints Error::message() once
// and exits with Error::exit_code.  One Error carries what failed, where (a file, file:line or
// the offending value) and a hint saying what to do about it.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace wslmod::util {

// Process exit codes (design.md): 0 ok, 1 the operation failed, 2 usage or input error.
enum class ExitCode : int { ok = 0, failed = 1, usage = 2 };

struct Error {
    std::string what;  // what went wrong, a sentence without trailing period
    std::string where; // file, file:line or value it concerns; may be empty
    std::string hint;  // what the user can do; may be empty
    ExitCode code = ExitCode::failed;
    // A JSON object with every item behind a summarised error (a refused config's drift), which
    // --json prints next to the message; empty for most errors.
    std::string details;

    // One line: "<where>: <what> (<hint>)", leaving out the empty parts.
    std::string message() const;
};

template <class T> using Result = tl::expected<T, Error>;

// Builds the unexpected value for a failed Result, e.g. `return fail("bad magic", path)`.
inline tl::unexpected<Error> fail(std::string what, std::string where = {}, std::string hint = {},
                                  ExitCode code = ExitCode::failed) {
    return tl::unexpected(Error{std::move(what), std::move(where), std::move(hint), code});
}

// Same, for input the user got wrong (exit code 2).
inline tl::unexpected<Error> bad_input(std::string what, std::string where = {},
                                       std::string hint = {}) {
    return fail(std::move(what), std::move(where), std::move(hint), ExitCode::usage);
}

} // namespace wslmod::util

// Unwraps a Result or returns its error from the enclosing function (GNU statement expression,
// as ccache's TRY does).
#define WSLMOD_TRY(...)                                                                            \
    ({                                                                                             \
        auto wslmod_try_result_ = (__VA_ARGS__);                                                   \
        if (!wslmod_try_result_) return tl::unexpected(std::move(wslmod_try_result_).error());     \
        std::move(*wslmod_try_result_);                                                            \
    })

// For Result<void>: returns the error from the enclosing function, or carries on.
#define WSLMOD_CHECK(...)                                                                          \
    do {                                                                                           \
        auto wslmod_check_result_ = (__VA_ARGS__);                                                 \
        if (!wslmod_check_result_) return tl::unexpected(std::move(wslmod_check_result_).error()); \
    } while (0)
