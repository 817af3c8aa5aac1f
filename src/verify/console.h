// The boot harness's console protocol, decoded from the text a guest printed on its serial port.
//
// The guest's /init prints, after running every command (kernel messages are silenced first):
//   @@WSLMOD-<nonce>-SETUP-BEGIN            output of module loading and the WSL-style mounts
//   \n@@WSLMOD-<nonce>-SETUP-END <rc>
//   @@WSLMOD-<nonce>-BEGIN <i>              then, for each command i = 0, 1, ...
//   \n@@WSLMOD-<nonce>-END <i> <rc>
//   @@WSLMOD-<nonce>-DMESG-BEGIN            the kernel log
//   \n@@WSLMOD-<nonce>-DMESG-END 0
//   @@WSLMOD-<nonce>-DONE
// Every END marker is preceded by one newline that is not part of the output, so output that
// does not end in a newline still leaves the marker at the start of a line.  The nonce is fresh
// for each boot, so a command that prints marker-like text cannot forge a result.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wslmod::verify {

struct Section {
    std::string output;
    int exit_code = -1;
};

struct ConsoleReport {
    bool done = false;             // the DONE marker was seen: every section is complete
    std::optional<Section> setup;  // module loading and mounts
    std::vector<Section> commands; // in command order
    std::string dmesg;
};

// Decodes `console` (raw serial output, CRLF or LF) for the markers of `nonce`.
ConsoleReport parse_console(std::string_view console, std::string_view nonce);

// The last `lines` lines of `console`, for failure messages.
std::string console_tail(std::string_view console, size_t lines);

} // namespace wslmod::verify
