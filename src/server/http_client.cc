// The small HTTP client of http.h (HttpRequest) over cpp-httplib: the one translation unit
// that includes httplib.h. The server side is Boost.Beast (http.cc).
#include <httplib.h>

#include <fmt/format.h>

#include "server/http.h"

namespace truce::server {

Result<HttpReply> HttpRequest(const std::string& method, const std::string& base_url,
                              const std::string& path, const std::string& token,
                              const std::string& body, const std::string& content_type) {
  httplib::Client client(base_url);
  if (!client.is_valid()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("'{}' is not a server URL (expected http://HOST:PORT)", base_url));
  }
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(60, 0);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  if (method != "GET" && method != "POST" && method != "PUT" && method != "DELETE") {
    return MakeError(ErrorCode::kInvalidArgument, "unsupported method " + method);
  }
  httplib::Result res = method == "GET"    ? client.Get(path, headers)
                        : method == "POST" ? client.Post(path, headers, body, content_type)
                        : method == "PUT"  ? client.Put(path, headers, body, content_type)
                                           : client.Delete(path, headers, body, content_type);
  if (!res) {
    return MakeError(ErrorCode::kIo, fmt::format("{} {}{}: {}", method, base_url, path,
                                                 httplib::to_string(res.error())));
  }
  return HttpReply{res->status, res->get_header_value("Content-Type"), res->body};
}

Result<HttpReply> HttpPost(const std::string& base_url, const std::string& path,
                           const std::string& body,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           std::chrono::milliseconds timeout) {
  httplib::Client client(base_url);
  if (!client.is_valid()) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a URL", base_url));
  }
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout - s);
  client.set_connection_timeout(s.count(), us.count());
  client.set_read_timeout(s.count(), us.count());
  client.set_write_timeout(s.count(), us.count());
  httplib::Headers h;
  for (const auto& [name, value] : headers) h.emplace(name, value);
  httplib::Result res = client.Post(path, h, body, "application/json");
  if (!res) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("POST {}{}: {}", base_url, path, httplib::to_string(res.error())));
  }
  return HttpReply{res->status, res->get_header_value("Content-Type"), res->body};
}

}  // namespace truce::server
