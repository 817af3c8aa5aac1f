// The encoding a text file is in, and turning it into UTF-8 and back without changing a byte.
//
// .wslconfig is written by Notepad, PowerShell (`Out-File` wrote UTF-16LE with a BOM until
// PowerShell 6), VS Code and scripts, so it arrives as UTF-8 with or without a BOM or as UTF-16
// in either byte order with or without one.  The editor (wslconfig.h) works on UTF-8, so a file
// is decoded, edited and encoded back in its own form; every byte wslmod did not change must come
// back as it was.
//
// Detection, in order:
//   EF BB BF                 UTF-8 with a BOM
//   FF FE                    UTF-16LE with a BOM
//   FE FF                    UTF-16BE with a BOM
//   an even size, no NUL at even offsets and at least half of the odd bytes NUL
//                            UTF-16LE without a BOM (an ASCII file has a NUL in every high byte)
//   the same, odd and even swapped
//                            UTF-16BE without a BOM
//   anything else            UTF-8 (bytes kept as they are, valid UTF-8 or not)
//
// What WSL reads (it opens the file with _wfopen "rt,ccs=UTF-8"; the MS CRT's fopen table: with
// ccs=UTF-8 a file without a BOM is UTF-8, a UTF-8 BOM is UTF-8, the UTF-16 BOM FF FE is UTF-16LE):
// UTF-8 in both forms and UTF-16LE with its BOM.  A BOM-less UTF-16 file or a UTF-16BE one is
// read as UTF-8, so WSL sees NULs and none of its settings; wsl_reads() says so.
//
// The transcoding is written here rather than with iconv because it must be lossless for
// anything a Windows editor can save: an unpaired surrogate (which UTF-16 files may hold and
// iconv refuses) is carried as its three-byte generalized UTF-8 form (WTF-8), so decode then
// encode gives the same bytes for every even-sized UTF-16 input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/error.h"

namespace wslmod::wsl {

enum class Encoding { utf8, utf16le, utf16be };

struct TextForm {
    Encoding encoding = Encoding::utf8;
    bool bom = false;
    bool operator==(const TextForm&) const = default;
};

struct DecodedText {
    TextForm form;
    std::string text; // UTF-8 (WTF-8 for unpaired surrogates), without the BOM
};

// The form of `bytes` and their text.  Fails for UTF-16 of an odd size (a byte is missing, so
// no encoding gives these bytes back); `where` names the file in that error.
util::Result<DecodedText> decode_text(std::string_view bytes, const std::string& where);

// `text` (UTF-8 from decode_text, edited) in `form`, with its BOM when the form has one.
std::string encode_text(std::string_view text, TextForm form);

// Whether WSL reads a file in `form` as the text it holds (see above).
bool wsl_reads(TextForm form);

// Appends code point `cp` as UTF-8 (a surrogate as its three-byte generalized form).
void append_utf8(std::string& out, uint32_t cp);

// "UTF-8", "UTF-8 with BOM", "UTF-16LE with BOM", "UTF-16BE without BOM", ...
std::string describe(TextForm form);

} // namespace wslmod::wsl
