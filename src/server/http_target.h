// What the HTTP adapter makes of a request before the API sees it: the request target decoded
// into a path and query parameters, the file under the web root that a static request names,
// and the base URL of absolute links (never the raw Host header). Used by http.cc only;
// tested in http_target_test.cc. Stateless and thread-safe; ResolveStaticFile reads the file
// system, everything else is pure.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "truce/result.h"

namespace truce::server::detail {

// Decodes %XX escapes, and '+' as a space when `plus_is_space` (query strings).
// kInvalidArgument naming the offset of a '%' not followed by two hex digits.
[[nodiscard]] Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

struct Target {
  std::string path;                          // decoded, starts with '/'
  std::map<std::string, std::string> query;  // decoded; the first of repeated names wins
};

// Splits an origin-form request target ("/path?a=1&b") into its decoded path and query.
// kInvalidArgument when the target does not start with '/', has a malformed escape, or its
// path decodes to a NUL byte.
[[nodiscard]] Result<Target> ParseTarget(std::string_view target);

// The paths the API owns (/healthz, /metrics, /api, /api/..., /ogc, /ogc/...): they are never
// looked up under the web root.
[[nodiscard]] bool IsApiPath(std::string_view path) noexcept;

// The Content-Type for a file name, from its extension (case-insensitive);
// application/octet-stream when unknown.
[[nodiscard]] std::string_view ContentTypeFor(std::string_view file_name) noexcept;

struct StaticFile {
  enum class Kind {
    kFile,     // `file` is a regular file inside the root
    kMissing,  // nothing there: the request goes on to the API (which answers 404)
    kRefused,  // a path that may not name a file: answer `status` with `reason`
  };
  Kind kind = Kind::kMissing;
  std::filesystem::path file;
  std::string_view content_type;
  int status = 0;
  std::string reason;
};

// The file that the decoded request path `path` names under `root`, `index.html` for a
// directory. Refused (400) for a path with a NUL byte, a backslash, or a segment starting
// with '.' (so "..", "." and hidden files); refused (404) for anything that resolves, through
// symbolic links, outside `root`. Only regular files are served.
// REQUIRES: `root` is canonical (std::filesystem::canonical).
[[nodiscard]] StaticFile ResolveStaticFile(const std::filesystem::path& root,
                                           std::string_view path);

// True for "host", "host:port", "[v6]:port": a DNS name or IPv4 address (letters, digits,
// '-', '.'; at most 253 characters) or a bracketed IPv6 address, and an optional port 0-65535.
[[nodiscard]] bool IsValidHostAndPort(std::string_view text) noexcept;

// Checks a configured public base URL, "http[s]://host[:port][/prefix]" without user info,
// query or fragment, and returns it without a trailing slash. kInvalidArgument saying what is
// wrong otherwise.
[[nodiscard]] Result<std::string> NormalizePublicBaseUrl(std::string_view url);

// The base URL of absolute links for one request: `configured` (a normalized public base URL,
// or "http://" + the listening address), with its scheme replaced by `forwarded_proto` when
// that is "http" or "https", and its host[:port] by `forwarded_host` when that passes
// IsValidHostAndPort. Pass "" for a forwarded value that is absent or not trusted; for a
// comma-separated list (several proxies) the first element counts.
[[nodiscard]] std::string BaseUrl(std::string_view configured, std::string_view forwarded_proto,
                                  std::string_view forwarded_host);

// The client address a trusting server takes from X-Forwarded-For: the last element (the one
// the nearest proxy appended), when it is an IPv4 or IPv6 address; "" otherwise.
[[nodiscard]] std::string ForwardedClientAddress(std::string_view forwarded_for);

}  // namespace truce::server::detail
