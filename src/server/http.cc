#include "server/http.h"

#include <httplib.h>

#include <filesystem>

#include <fmt/format.h>

namespace truce::server {

struct HttpServer::Impl {
  Impl(Api& a, ServerOptions o) : api(a), options(std::move(o)) {}
  Api& api;
  ServerOptions options;
  httplib::Server server;
};

HttpServer::HttpServer(Api& api, ServerOptions options)
    : impl_(std::make_unique<Impl>(api, std::move(options))) {
  httplib::Server& s = impl_->server;
  const int threads = std::max(1, impl_->options.threads);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_payload_max_length(api.limits().max_body_bytes);
  s.set_read_timeout(30, 0);
  s.set_write_timeout(30, 0);
  if (!impl_->options.web_root.empty() && std::filesystem::is_directory(impl_->options.web_root)) {
    s.set_mount_point("/", impl_->options.web_root);
  }
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    ApiRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [key, value] : req.params) r.query.emplace(key, value);  // first wins
    r.authorization = req.get_header_value("Authorization");
    r.content_type = req.get_header_value("Content-Type");
    const std::string host = req.get_header_value("Host");
    r.base_url = "http://" + (host.empty() ? impl_->options.host : host);
    r.body = req.body;
    ApiResponse out = impl_->api.Handle(r);
    res.status = out.status;
    for (const auto& [name, value] : out.headers) res.set_header(name, value);
    res.set_content(std::move(out.body), out.content_type.c_str());
  };
  s.Get(".*", handle);
  s.Post(".*", handle);
  s.Put(".*", handle);
  s.Patch(".*", handle);
  s.Delete(".*", handle);
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [limit = api.limits().max_body_bytes](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const std::string message =
            res.status == 413
                ? fmt::format("the request body is larger than the limit of {} bytes", limit)
                : fmt::format("HTTP {}", res.status);
        ApiResponse e = ErrorResponse(MakeError(ErrorCodeForHttpStatus(res.status), message));
        res.set_content(e.body, e.content_type.c_str());
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        ApiResponse e = ErrorResponse(MakeError(ErrorCode::kInternal, "internal error: " + what));
        res.status = 500;
        res.set_content(e.body, e.content_type.c_str());
      });
}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Bind() {
  httplib::Server& s = impl_->server;
  const ServerOptions& o = impl_->options;
  if (o.port == 0) {
    const int port = s.bind_to_any_port(o.host);
    if (port <= 0) {
      return MakeError(ErrorCode::kIo, fmt::format("cannot listen on {}: no free port", o.host));
    }
    return port;
  }
  if (!s.bind_to_port(o.host, o.port)) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("cannot listen on {}:{} (in use, or not an address of this "
                                 "machine)",
                                 o.host, o.port));
  }
  return o.port;
}

void HttpServer::Run() { impl_->server.listen_after_bind(); }

void HttpServer::Stop() { impl_->server.stop(); }

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

}  // namespace truce::server
