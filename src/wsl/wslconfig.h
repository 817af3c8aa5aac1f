// %USERPROFILE%\.wslconfig: reading and editing it the way WSL itself reads it, keeping every
// byte that is not ours.  The file belongs to the user and to other tools, so it is patched in
// place, never regenerated.
//
// What WSL does, from its published source (microsoft/WSL, read at commit 163aea40 of
// src/shared/configfile/configfile.cpp; the source is public from the 2.5 releases on):
//   reading           src/windows/common/WslCoreConfig.cpp opens the file with
//                     _wfopen(path, L"rt,ccs=UTF-8") and calls ParseConfigFile with
//                     CFG_SKIP_INVALID_LINES | CFG_SKIP_UNKNOWN_VALUES: a line WSL cannot parse
//                     is skipped with a warning, the rest of the file still counts.
//   encoding, BOM     text mode with ccs=UTF-8 (the MS CRT's fopen documentation: "the BOM, if
//                     present, determines the encoding"): a UTF-8 BOM is consumed, a UTF-16LE
//                     BOM (FF FE) makes WSL read UTF-16.  This editor works on UTF-8 text (a
//                     leading UTF-8 BOM is skipped); text_form.h turns UTF-16 files into UTF-8
//                     and back byte for byte.
//   line ends         text mode folds CRLF to LF, so CRLF and LF files read the same.  A CR alone
//                     ends a header, a value and a blank line (ParseConfigFile checks for '\r'
//                     there), but not a comment or an invalid line: those are skipped up to the
//                     next LF, so in a file with CR-only line ends everything after a comment
//                     is comment to WSL.  This file models that too.
//   section header    src/shared/configfile/configfile.cpp, ParseConfigFile: `[`, a letter,
//                     letters or digits, `]` with nothing in between (`[ wsl2 ]` and `[wsl-2]`
//                     are invalid lines), then only spaces/tabs and an optional # comment.
//                     An invalid header does not end the section before it: the keys below keep
//                     WSL's half-overwritten name buffer (`key.resize(sectionLength)`), which
//                     this file models exactly.
//   key = value       leading spaces/tabs, a letter, letters or digits (no `_`, `-`, `.`), any
//                     spaces/tabs, `=`, any spaces/tabs, the value.  A key before any section
//                     header has no section and matches nothing.
//   names             ConfigKey::Matches compares "section.key" with strcasecmp: section and key
//                     names are case-insensitive ([WSL2] KERNEL= is wsl2.kernel).  The keys here
//                     are ConfigSetting::Kernel "wsl2.kernel" and KernelModules
//                     "wsl2.kernelModules" (WslCoreConfig.h).
//   comments          only `#`: a whole line, after a section header, or after a value where it
//                     is not inside quotes.  `;` is NOT a comment: `;x=1` is an invalid line
//                     (skipped) and `kernel=a ; b` has the value "a ; b".
//   value             `"` toggles quoting anywhere in the value and is dropped; quotes only
//                     protect `#` and spaces.  `\` escapes `\\ \" \b \n \t`; `\` at the end of a
//                     line joins the next line (line continuation); any other escape, a `\` at
//                     the end of the file or an unclosed quote makes the line invalid (skipped).
//                     So Windows paths need doubled backslashes (C:\\Users\\x, the documented
//                     form) or forward slashes (a single `\b` even reads as a backspace:
//                     C:\bin is "C:" BS "in"); spaces need no quoting.  Unquoted trailing
//                     spaces/tabs are trimmed.
//   duplicates        ConfigKey::Parse keeps the FIRST valid occurrence of a key, across repeated
//                     [section] blocks too, and warns about every later one.
//   non-ASCII         the parser stores each UTF-16 code unit with static_cast<char>, keeping its
//                     low byte: a value with non-ASCII characters is mangled (is_representable).
//
// Editing follows WSL's own updater (ParseConfigFile's update mode): a value is replaced from its
// first byte to its last non-space byte, so the spacing around `=`, the spaces before a trailing
// comment and the comment itself stay.  New lines use the file's first line ending (LF for a
// file without one).  Section and key names passed in must be letters and digits, as WSL needs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wslmod::wsl {

// The value of [section] key as WSL reads it (quotes removed, escapes undone); nullopt when WSL
// reads no such key from `text` (absent, or only on lines WSL skips as invalid).
std::optional<std::string> get_value(std::string_view text, std::string_view section,
                                     std::string_view key);

// `text` with [section] key set to the raw `value` (a Windows path such as C:\a\b; it is escaped
// here, and quoted when the old value was quoted or when `#` or edge spaces need it).  Every
// other byte stays: comments, key order, other sections, CRLF, a BOM, odd spacing around `=` and
// a trailing comment on the edited line.  Every occurrence WSL would match gets the value
// (duplicates, repeated [section] blocks, lines WSL skips for a bad escape), so whichever one
// WSL reads is ours.  A missing key goes after the last key line of the first [section] block
// (after its header when it has none) where WSL reads it: past the comment lines that a CR-only
// line end carries on, else in the next [section] block.  A missing section is appended after one
// line break: it ends the last line, or makes a blank line before the header when the file ends in
// one (an empty text gets none).
std::string set_value(std::string_view text, std::string_view section, std::string_view key,
                      std::string_view value);

// `text` without every line holding [section] key (the line and its line ending go; a last line
// without one takes the line break before it).  When that leaves an exact `[section]` header as
// the last line of the file, the header and one line break before it go too: that is what
// set_value appended, so set_value then remove_key gives back a file that lacked the key byte
// for byte.  (A file that itself ends in an empty `[section]` header loses it; WSL reads the same.)
std::string remove_key(std::string_view text, std::string_view section, std::string_view key);

// `raw` written as a WSL value: `\` `"` newline tab backspace escaped, and the whole value in
// quotes when it holds `#` or starts or ends with a space.
std::string escape_value(std::string_view raw);

// Whether WSL reads `raw` back unchanged after escape_value: printable ASCII, tab, newline and
// backspace only (no CR, no non-ASCII; see "non-ASCII" above).
bool is_representable(std::string_view raw);

// Every setting WSL reads from `text`: "section.key" in lower case (the section part as WSL's
// name buffer holds it, NULs included) -> the value, from the first line WSL takes for it.
std::map<std::string, std::string> settings(std::string_view text);

// One intended edit: "section.key" set to a value, or removed (nullopt).
using Change = std::pair<std::string, std::optional<std::string>>;

// Why WSL would not read `after` as `before` with exactly `changes` made (a sentence naming the
// setting), or nullopt when it would.  The editor's result is checked with this before it is
// written, so that no edit can hide, reveal or change a setting the user has (a line ending in a
// CR alone can turn the lines after it into comment, see "line ends" above).
std::optional<std::string> misread(std::string_view before, std::string_view after,
                                   const std::vector<Change>& changes);

} // namespace wslmod::wsl
