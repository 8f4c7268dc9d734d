#include "truce/text_policy.h"

#include <fmt/format.h>

namespace truce {
namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;

// Decodes the UTF-8 sequence at text[i]; sets `length` to its byte count (1 for an invalid
// byte) and returns the code point, or kInvalid.
char32_t Decode(std::string_view text, size_t i, size_t& length) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  length = 1;
  if (b0 < 0x80) return b0;
  size_t n = 0;
  char32_t cp = 0, min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return kInvalid;
  }
  if (i + n > text.size()) return kInvalid;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return kInvalid;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kInvalid;
  length = n;
  return cp;
}

bool IsControl(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// Embeddings, overrides and isolates: they reorder the text that follows them.
bool IsBidiOverride(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

// Marks: invisible, they only hint at direction.
bool IsBidiMark(char32_t c) { return c == 0x061C || c == 0x200E || c == 0x200F; }

// Characters that print as nothing (or as blank fillers) and so let two different ids look
// the same, plus the line and paragraph separators.
bool IsInvisible(char32_t c) {
  return (c >= 0x200B && c <= 0x200D) || (c >= 0x2060 && c <= 0x2064) || c == 0xFEFF ||
         c == 0x00AD || c == 0x034F || c == 0x180E || c == 0x115F || c == 0x1160 || c == 0x3164 ||
         c == 0xFFA0 || c == 0x17B4 || c == 0x17B5 || c == 0x2028 || c == 0x2029 ||
         (c >= 0xFFF9 && c <= 0xFFFB) || (c >= 0xE0000 && c <= 0xE007F) || c == 0xFFFE ||
         c == 0xFFFF;
}

std::string Describe(char32_t c) {
  const char* what = IsControl(c)        ? "a control character"
                     : IsBidiOverride(c) ? "a bidirectional override"
                     : IsBidiMark(c)     ? "a bidirectional mark"
                                         : "an invisible character";
  return fmt::format("U+{:04X} ({})", static_cast<uint32_t>(c), what);
}

}  // namespace

bool IsValidUtf8(std::string_view text) noexcept {
  for (size_t i = 0, n = 0; i < text.size(); i += n) {
    if (Decode(text, i, n) == kInvalid) return false;
  }
  return true;
}

std::optional<std::string> TextProblem(std::string_view value, TextField field) {
  if (value.size() > field.max_bytes) {
    return fmt::format("is {} bytes long, at most {} allowed", value.size(), field.max_bytes);
  }
  const bool id = field.kind == TextKind::kIdentifier;
  for (size_t i = 0, n = 0; i < value.size(); i += n) {
    // Printable ASCII passes every rule below; most text is all of it.
    if (value[i] >= 0x20 && value[i] < 0x7F) {
      n = 1;
      continue;
    }
    const char32_t c = Decode(value, i, n);
    if (c == kInvalid) {
      return fmt::format("is not valid UTF-8 (byte 0x{:02X} at byte {})",
                         static_cast<unsigned char>(value[i]), i + 1);
    }
    bool refused = false;
    if (IsControl(c)) {
      // Free text keeps its layout: tabs, line feeds, and CR LF line ends.
      refused = id || !(c == '\t' || c == '\n' ||
                        (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n'));
    } else if (IsBidiOverride(c)) {
      refused = true;
    } else if (IsBidiMark(c) || IsInvisible(c)) {
      refused = id;
    }
    if (refused) {
      return fmt::format("contains {} at byte {}{}", Describe(c), i + 1,
                         id ? " (not allowed in an identifier)" : "");
    }
  }
  return std::nullopt;
}

namespace {

// The escaped form of at most `max_chars` characters of `text`; `cut` tells whether some were
// left out. With `apostrophe`, a single quote is escaped too; with `backslash`, a backslash.
std::string Escape(std::string_view text, size_t max_chars, bool apostrophe, bool backslash,
                   bool& cut) {
  std::string out;
  size_t chars = 0, i = 0;
  for (size_t n = 0; i < text.size() && chars < max_chars; i += n, ++chars) {
    const char32_t c = Decode(text, i, n);
    if (c == kInvalid) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned char>(text[i]));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\\' && backslash) {
      out += "\\\\";
    } else if (c == '\'' && apostrophe) {
      out += "\\'";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned>(c));
    } else if (IsControl(c) || IsBidiOverride(c) || IsBidiMark(c) || IsInvisible(c)) {
      out += fmt::format("\\u{{{:04X}}}", static_cast<uint32_t>(c));
    } else {
      out.append(text.substr(i, n));
    }
  }
  cut = i < text.size();
  return out;
}

}  // namespace

std::string EscapeText(std::string_view text, size_t max_chars) {
  bool cut = false;
  std::string out = Escape(text, max_chars, false, true, cut);
  if (cut) out += fmt::format("... ({} bytes)", text.size());
  return out;
}

std::string EscapeControls(std::string_view text, size_t max_chars) {
  bool cut = false;
  std::string out = Escape(text, max_chars, false, false, cut);
  if (cut) out += fmt::format("... ({} bytes)", text.size());
  return out;
}

std::string Quote(std::string_view text, size_t max_chars) {
  bool cut = false;
  std::string out = "'" + Escape(text, max_chars, true, true, cut);
  out += cut ? fmt::format("...' ({} bytes)", text.size()) : "'";
  return out;
}

}  // namespace truce
