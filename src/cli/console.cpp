#include "cli/console.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <unistd.h>

#include <fmt/format.h>

namespace wslmod::cli {

Console::Console(std::ostream& err, bool json, bool tty, bool color)
    : err_(err), json_(json), tty_(tty && !json), color_(color && tty) {}

Console Console::for_stderr(std::ostream& err, bool json) {
    const char* term = std::getenv("TERM");
    bool tty = ::isatty(2) && !(term && std::strcmp(term, "dumb") == 0);
    const char* no_color = std::getenv("NO_COLOR"); // https://no-color.org: set and not empty
    return Console(err, json, tty, !(no_color && *no_color));
}

void Console::step(const std::string& what) {
    if (tty_) err_ << "\33[2K\r" << what << " ..." << std::flush;
}

void Console::done() {
    if (tty_) err_ << "\33[2K\r" << std::flush;
}

void Console::build_event(const engine::BuildEvent& e) {
    using K = engine::BuildEvent::Kind;
    if (e.kind == K::started)
        building_.push_back(e.recipe);
    else
        std::erase(building_, e.recipe);
    if (tty_) {
        std::string names;
        for (const auto& a : building_)
            names += (names.empty() ? "" : ", ") + a;
        err_ << fmt::format("\33[2K\r[{}/{}] {}", e.done, e.total,
                            names.empty() ? "" : "building " + names)
             << std::flush;
    } else if (!json_ && e.kind == K::built) {
        err_ << fmt::format("built {} in {:.1f} s\n", e.recipe, e.seconds);
    }
}

std::string Console::label(const char* word, const char* colour) const {
    return color_ ? fmt::format("\33[{}m{}:\33[0m", colour, word) : fmt::format("{}:", word);
}

void Console::warn(const std::string& text) {
    err_ << "wslmod: " << label("warning", "1;35") << " " << text << "\n";
}

void Console::note(const std::string& text) {
    if (!json_) err_ << "wslmod: note: " << text << "\n";
}

void Console::say(const std::string& text) {
    if (!json_) err_ << "wslmod: " << text << "\n";
}

void Console::diagnostic(const std::string& text) {
    err_ << text << std::flush;
}

void Console::error(const std::string& text) {
    err_ << "wslmod: " << label("error", "1;31") << " " << text << "\n";
}

} // namespace wslmod::cli
