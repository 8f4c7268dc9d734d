#include "server/http_target.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <system_error>

#include <fmt/format.h>

#include "truce/text_policy.h"

namespace truce::server::detail {
namespace {

namespace fs = std::filesystem;

int HexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view Trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view FirstListElement(std::string_view s) noexcept {
  return Trim(s.substr(0, s.find(',')));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsIpAddress(const std::string& text) noexcept {
  std::array<unsigned char, 16> buffer{};
  return inet_pton(AF_INET, text.c_str(), buffer.data()) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer.data()) == 1;
}

// `root` is a prefix of `path`, component by component.
bool IsInside(const fs::path& root, const fs::path& path) {
  auto r = root.begin(), p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == path.end() || *r != *p) return false;
  }
  return true;
}

StaticFile Refused(int status, std::string reason) {
  StaticFile f;
  f.kind = StaticFile::Kind::kRefused;
  f.status = status;
  f.reason = std::move(reason);
  return f;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("malformed percent-escape at offset {}: expected '%' and two "
                                     "hexadecimal digits",
                                     i));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<Target> ParseTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the request target must be a path starting with '/'");
  }
  const size_t question = target.find('?');
  Target out;
  auto path = PercentDecode(target.substr(0, question), false);
  if (!path.ok()) {
    return MakeError(ErrorCode::kInvalidArgument, "request path: " + path.error().message);
  }
  if (path->find('\0') != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "request path: contains a NUL byte (%00)");
  }
  out.path = std::move(path).value();
  if (question == std::string_view::npos) return out;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name.ok() || !value.ok()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("query parameter {}: {}", Quote(pair),
                                   (name.ok() ? value : name).error().message));
    }
    out.query.emplace(std::move(name).value(), std::move(value).value());
  }
  return out;
}

bool IsApiPath(std::string_view path) noexcept {
  const auto under = [path](std::string_view prefix) {
    return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
  };
  return under("/healthz") || under("/metrics") || under("/api") || under("/ogc");
}

std::string_view ContentTypeFor(std::string_view file_name) noexcept {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"geojson", "application/geo+json"},
      {"txt", "text/plain; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"xml", "application/xml"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/vnd.microsoft.icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
      {"wasm", "application/wasm"},
      {"pbf", "application/x-protobuf"},
      {"pdf", "application/pdf"},
  };
  const size_t slash = file_name.rfind('/');
  const std::string_view base =
      slash == std::string_view::npos ? file_name : file_name.substr(slash + 1);
  const size_t dot = base.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const std::string_view extension = base.substr(dot + 1);
  for (const auto& [ext, type] : kTypes) {
    if (EqualsIgnoreCase(ext, extension)) return type;
  }
  return "application/octet-stream";
}

StaticFile ResolveStaticFile(const fs::path& root, std::string_view path) {
  if (path.empty() || path.front() != '/') return Refused(400, "the path must start with '/'");
  if (path.find('\0') != std::string_view::npos) {
    return Refused(400, "the path contains a NUL byte");
  }
  if (path.find('\\') != std::string_view::npos) {
    return Refused(400, "the path contains a backslash");
  }
  fs::path file = root;
  std::string_view rest = path;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    if (segment.empty()) continue;
    if (segment.front() == '.') {
      return Refused(400, fmt::format("the path segment '{}' starts with '.'", segment));
    }
    file /= std::string(segment);
  }
  std::error_code ec;
  if (fs::is_directory(file, ec)) file /= "index.html";
  const fs::path real = fs::canonical(file, ec);
  if (ec) return StaticFile{};  // missing, or a dangling link
  if (!IsInside(root, real)) return Refused(404, "the path resolves outside the web root");
  if (!fs::is_regular_file(real, ec)) return StaticFile{};
  StaticFile f;
  f.kind = StaticFile::Kind::kFile;
  f.file = real;
  f.content_type = ContentTypeFor(file.filename().native());
  return f;
}

bool IsValidHostAndPort(std::string_view text) noexcept {
  std::string_view host = text, port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    host = text.substr(1, close - 1);
    const std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port = after.substr(1);
      if (port.empty()) return false;
    }
    std::array<unsigned char, 16> buffer{};
    if (host.empty() || host.size() > 45 ||
        inet_pton(AF_INET6, std::string(host).c_str(), buffer.data()) != 1) {
      return false;
    }
  } else {
    const size_t colon = text.find(':');
    if (colon != std::string_view::npos) {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (host.empty() || host.size() > 253) return false;
    for (const char c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
    }
    if (host.front() == '.' || host.front() == '-') return false;
  }
  if (port.empty()) return true;
  if (port.size() > 5) return false;
  unsigned value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

Result<std::string> NormalizePublicBaseUrl(std::string_view url) {
  const auto bad = [url](std::string_view why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("public URL '{}': {} (expected http[s]://HOST[:PORT][/PREFIX], "
                                 "e.g. https://truce.example.org)",
                                 url, why));
  };
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return bad("the scheme must be http:// or https://");
  }
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  std::string_view prefix = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (!IsValidHostAndPort(authority)) return bad("the host is not a valid HOST[:PORT]");
  for (const char c : prefix) {
    const bool allowed = std::isalnum(static_cast<unsigned char>(c)) ||
                         std::string_view("/-._~%!$&'()*+,;=:@").find(c) != std::string_view::npos;
    if (!allowed) {
      return bad(fmt::format("the path may not contain '{}'", c == '?' || c == '#'
                                                                  ? std::string(1, c)
                                                                  : fmt::format("\\x{:02x}", c)));
    }
  }
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  return std::string(url.substr(0, url.size() - rest.size())) + std::string(authority) +
         std::string(prefix);
}

std::string BaseUrl(std::string_view configured, std::string_view forwarded_proto,
                    std::string_view forwarded_host) {
  const size_t scheme_end = configured.find("://");
  std::string_view scheme = configured.substr(0, scheme_end);
  const std::string_view rest =
      scheme_end == std::string_view::npos ? "" : configured.substr(scheme_end + 3);
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view prefix = slash == std::string_view::npos ? "" : rest.substr(slash);
  const std::string_view proto = FirstListElement(forwarded_proto);
  if (EqualsIgnoreCase(proto, "http")) scheme = "http";
  if (EqualsIgnoreCase(proto, "https")) scheme = "https";
  const std::string_view host = FirstListElement(forwarded_host);
  if (IsValidHostAndPort(host)) authority = host;
  return fmt::format("{}://{}{}", scheme, authority, prefix);
}

std::string ForwardedClientAddress(std::string_view forwarded_for) {
  const size_t comma = forwarded_for.rfind(',');
  const std::string last(
      Trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1)));
  return IsIpAddress(last) ? last : "";
}

}  // namespace truce::server::detail
