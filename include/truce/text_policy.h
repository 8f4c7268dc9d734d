// What truce accepts in the text of files and requests, and how it quotes user text in
// messages (docs/formats.md, "Text and limits").
//
// Two kinds of text field:
//   - identifiers (event ids, sources, zone, party, agreement and clause ids, icao24,
//     callsigns, column names): valid UTF-8 without control characters (C0, DEL, C1), without
//     bidirectional controls (marks, embeddings, overrides, isolates) and without invisible
//     characters (zero-width space, joiners, word joiner, BOM, soft hyphen, fillers, tags), so
//     that two ids that look the same are the same and none hides a line break or reorders
//     the text around it in a terminal or a table;
//   - free text (notes, clause text, names, actors): valid UTF-8 without NUL or other C0
//     controls except tab, line feed and a carriage return before a line feed, without DEL
//     or C1 controls, and without bidirectional embeddings, overrides or isolates (U+202A to
//     U+202E, U+2066 to U+2069, the "Trojan Source" characters). Marks (LRM, RLM, ALM) and
//     the zero-width joiners (ZWJ, ZWNJ), which Arabic and Persian text needs, are allowed.
// Each field also has a length limit in bytes (the constants below).
//
// Pure functions; safe to call from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace truce {

enum class TextKind { kIdentifier, kFreeText };

// A field's policy: its kind and its maximum length in bytes.
struct TextField {
  TextKind kind;
  size_t max_bytes;
};

// Per-field limits (bytes of UTF-8). Identifiers are short; a report's `source` lists several
// outlets ("SOHR; Step News Agency; ..."), so it gets more room.
inline constexpr size_t kMaxIdBytes = 128;
inline constexpr size_t kMaxSourceBytes = 1024;
inline constexpr size_t kMaxCallsignBytes = 16;
inline constexpr size_t kMaxNameBytes = 1024;       // names, actors, event types, citations
inline constexpr size_t kMaxTextBytes = 64 * 1024;  // notes, clause text, descriptions

inline constexpr TextField kIdField{TextKind::kIdentifier, kMaxIdBytes};
inline constexpr TextField kSourceField{TextKind::kIdentifier, kMaxSourceBytes};
inline constexpr TextField kCallsignField{TextKind::kIdentifier, kMaxCallsignBytes};
inline constexpr TextField kNameField{TextKind::kFreeText, kMaxNameBytes};
inline constexpr TextField kTextField{TextKind::kFreeText, kMaxTextBytes};

// What is wrong with `value` as a `field`, or nullopt when it is acceptable. The problem reads
// after "FIELD: ", e.g. "contains U+202E (a bidirectional control) at byte 4" or "is 1048576
// bytes long, at most 128 allowed". Never quotes the value itself.
std::optional<std::string> TextProblem(std::string_view value, TextField field);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view text) noexcept;

// `text` made safe to print in a message: control characters, invalid UTF-8 bytes,
// bidirectional controls and invisible characters escaped (\n, \t, \xFF, \u{202E}), a
// backslash doubled, and cut after `max_chars` characters with "..." and the full length
// appended. Never longer than about 10 * max_chars bytes.
std::string EscapeText(std::string_view text, size_t max_chars = 64);

// As EscapeText, but a backslash is kept as it is: for text that is already escaped (JSON,
// or a message that quotes user text with Quote()).
std::string EscapeControls(std::string_view text, size_t max_chars = 64);

// EscapeText in single quotes (a single quote inside is escaped): 'abc', 'a\u{202E}b',
// 'aaaa...' (1048576 bytes). The form every message uses to quote user text.
std::string Quote(std::string_view text, size_t max_chars = 64);

}  // namespace truce
