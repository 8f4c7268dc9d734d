#include "server/routing.h"

#include <cctype>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "app/paging.h"
#include "formats/text_file.h"

namespace truce::server {

using nlohmann::json;

std::optional<std::string> Call::Param(std::string_view name) const {
  const auto it = req.query.find(std::string(name));
  if (it == req.query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// --- Query parameters --------------------------------------------------------------------------

void QueryReader::Fail(std::string_view name, std::string message, std::string expected) {
  if (error_) return;
  Error e =
      MakeError(ErrorCode::kInvalidArgument, fmt::format("query parameter {}: {}", name, message));
  e.problems.push_back({"?" + std::string(name), std::move(expected)});
  error_ = std::move(e);
}

std::optional<UtcTime> QueryReader::Time(std::string_view name) {
  const auto text = call_.Param(name);
  if (!text) return std::nullopt;
  auto t = ParseTimestamp(*text);
  if (!t.ok()) {
    Fail(name, t.error().message, t.error().message);
    return std::nullopt;
  }
  return *t;
}

std::optional<LatLngRect> QueryReader::Bbox(bool lat_first) {
  const auto text = call_.Param("bbox");
  if (!text) return std::nullopt;
  std::vector<double> v;
  size_t start = 0;
  bool ok = true;
  while (ok) {
    const size_t comma = text->find(',', start);
    const std::string part =
        text->substr(start, comma == std::string::npos ? comma : comma - start);
    char* end = nullptr;
    const double d = std::strtod(part.c_str(), &end);
    ok = !part.empty() && end == part.c_str() + part.size() && std::isfinite(d);
    v.push_back(d);
    if (comma == std::string::npos || v.size() > 4) break;
    start = comma + 1;
  }
  const std::string_view order =
      lat_first ? "minLat,minLon,maxLat,maxLon" : "minLon,minLat,maxLon,maxLat";
  if (ok && v.size() == 4 && lat_first) {
    std::swap(v[0], v[1]);
    std::swap(v[2], v[3]);
  }
  if (!ok || v.size() != 4 || v[0] > v[2] || v[1] > v[3] || std::fabs(v[1]) > 90 ||
      std::fabs(v[3]) > 90 || std::fabs(v[0]) > 180 || std::fabs(v[2]) > 180) {
    Fail("bbox", fmt::format("expected {}, got '{}'", order, text->substr(0, 200)),
         fmt::format("expected {} in degrees", order));
    return std::nullopt;
  }
  return LatLngRect{v[1], v[3], v[0], v[2]};
}

std::optional<uint64_t> QueryReader::Count(std::string_view name, bool required) {
  const auto text = call_.Param(name);
  if (!text) {
    if (required) Fail(name, "is required", "required: a whole number >= 0");
    return std::nullopt;
  }
  const auto v = app::ParseCount(*text);
  if (!v) {
    Fail(name, fmt::format("expected a whole number >= 0, got '{}'", text->substr(0, 40)),
         "expected a whole number >= 0");
  }
  return v;
}

std::string QueryReader::OneOf(std::string_view name,
                               std::initializer_list<std::string_view> allowed) {
  const std::string value = Text(name);
  if (value.empty()) return value;
  for (std::string_view a : allowed) {
    if (a == value) return value;
  }
  std::string list;
  for (std::string_view a : allowed) list += fmt::format("{}{}", list.empty() ? "" : " or ", a);
  Fail(name, "expected " + list, "expected " + list);
  return "";
}

app::PageRequest QueryReader::Page() {
  const app::AppLimits& limits = call_.app.limits();
  app::PageRequest page;
  page.limit = limits.default_page;
  if (auto v = Count("limit")) {
    if (*v < 1 || *v > limits.max_page) {
      Fail("limit", fmt::format("expected 1 to {}, got {}", limits.max_page, *v),
           fmt::format("expected 1 to {}", limits.max_page));
    } else {
      page.limit = static_cast<size_t>(*v);
    }
  }
  page.cursor = call_.Param("cursor");
  return page;
}

size_t QueryReader::CappedLimit() {
  const app::AppLimits& limits = call_.app.limits();
  const auto v = Count("limit");
  if (!v) return limits.default_page;
  if (*v < 1) {
    Fail("limit", "expected a whole number >= 1, got 0", "expected a whole number >= 1");
    return limits.default_page;
  }
  return static_cast<size_t>(std::min<uint64_t>(*v, limits.max_page));
}

app::EventFilter QueryReader::Events() {
  app::EventFilter f;
  f.as_of = Time("as_of");
  f.from = Time("from");
  f.to = Time("to");
  f.bbox = Bbox();
  f.zone = Text("zone");
  f.party = Text("party");
  f.type = Text("type");
  return f;
}

// --- Bodies ------------------------------------------------------------------------------------

Result<json> JsonBody(const Call& c) {
  // The media type without parameters ("application/json; charset=utf-8"), compared whole.
  std::string type = c.req.content_type.substr(0, c.req.content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (char& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (type != "application/json" && type != "application/geo+json") {
    return MakeError(ErrorCode::kUnsupportedMediaType,
                     type.empty() ? std::string("the body needs Content-Type: application/json")
                                  : fmt::format("the body must be application/json, not {}",
                                                c.req.content_type.substr(0, 100)));
  }
  auto doc = formats::ParseJson(c.req.body, "body");
  if (!doc.ok()) {
    Error e = std::move(doc).error();
    e.code = ErrorCode::kBadJson;
    if (e.problems.empty()) e.problems.push_back({"", e.message});
    return e;
  }
  return doc;
}

Result<Items> ItemsBody(const Call& c) {
  auto body = JsonBody(c);
  if (!body.ok()) return body.error();
  Items out;
  out.batch = body->is_array();
  if (out.batch) {
    out.items.reserve(body->size());
    for (json& item : *body) out.items.push_back(std::move(item));
  } else {
    out.items.push_back(std::move(body).value());
  }
  return out;
}

// --- Responses ---------------------------------------------------------------------------------

ApiResponse JsonResponse(const json& body, int status, std::string content_type) {
  ApiResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

ApiResponse ErrorResponse(const Error& e) {
  const ErrorCodeInfo& info = DescribeErrorCode(e.code);
  json body = {{"error", {{"code", info.name}, {"message", e.message}}}};
  json problems = json::array();
  for (const Problem& p : e.problems) {
    if (p.where.empty() && p.message == e.message) continue;
    problems.push_back({{"path", p.where}, {"message", p.message}});
  }
  if (!problems.empty()) body["error"]["problems"] = std::move(problems);
  ApiResponse r = JsonResponse(body, info.http_status);
  if (e.code == ErrorCode::kUnauthenticated) {
    r.headers.emplace_back("WWW-Authenticate", "Bearer, Basic realm=\"truce\"");
  }
  if (e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kTooManyRequests) {
    r.headers.emplace_back("Retry-After", "1");
  }
  return r;
}

json PageJson(std::vector<json> items, const std::string& next) {
  json out = {{"items", std::move(items)}};
  out["next"] = next.empty() ? json() : json(next);
  return out;
}

Result<app::Slice> SliceOf(const app::PageRequest& page) {
  app::Slice slice;
  slice.limit = page.limit;
  if (page.cursor) {
    auto v = app::ParseEntryCursor(*page.cursor);
    if (!v.ok()) return v.error();
    slice.offset = *v;
  }
  return slice;
}

app::JsonPage CountedPage(app::CountedItems counted, const app::Slice& slice) {
  app::JsonPage out;
  out.items = std::move(counted.items);
  if (slice.limit < counted.matched && slice.offset < counted.matched - slice.limit) {
    out.next = std::to_string(slice.offset + slice.limit);
  }
  return out;
}

Result<app::JsonPage> Window(std::vector<json> all, const app::PageRequest& page) {
  auto slice = SliceOf(page);
  if (!slice.ok()) return slice.error();
  app::CountedItems counted;
  counted.matched = all.size();
  for (size_t i = 0; i < all.size(); ++i) {
    if (slice->Holds(i)) counted.items.push_back(std::move(all[i]));
  }
  return CountedPage(std::move(counted), *slice);
}

json ItemJson(const app::ItemOutcome& item) {
  json r = item.receipt ? app::ReceiptToJson(*item.receipt) : json{{"log_index", item.log_index}};
  r["status"] = item.created ? "created" : "unchanged";
  return r;
}

json HeadJson(const app::App& app) { return app::TreeHeadToJson(app.Head(), app.public_key()); }

std::string UrlEncode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto b = static_cast<unsigned char>(ch);
    if (std::isalnum(b) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out.push_back(ch);
    } else {
      out += fmt::format("%{:02X}", b);
    }
  }
  return out;
}

std::string QueryString(const Call& c,
                        std::initializer_list<std::pair<std::string_view, std::string>> changes) {
  std::map<std::string, std::string, std::less<>> query(c.req.query.begin(), c.req.query.end());
  for (const auto& [name, value] : changes) query.insert_or_assign(std::string(name), value);
  std::string out;
  for (const auto& [name, value] : query) {
    out += fmt::format("{}{}={}", out.empty() ? "?" : "&", UrlEncode(name), UrlEncode(value));
  }
  return out;
}

json PageLinks(const Call& c, std::string_view path, size_t offset, size_t limit, size_t matched,
               std::string_view type) {
  const std::string base = c.Url(path);
  auto window = [&](size_t at) {
    return base +
           QueryString(c, {{"limit", std::to_string(limit)}, {"offset", std::to_string(at)}});
  };
  // json::array, not braces: `json links = {one_json}` is a copy of the object under clang
  // (CWG 1467) and an array under gcc, and push_back on an object throws.
  json links = json::array({Link(base + QueryString(c, {}), "self", type)});
  // offset + limit < matched, without wrapping for an offset near 2^64.
  if (limit < matched && offset < matched - limit) {
    links.push_back(Link(window(offset + limit), "next", type));
  }
  if (offset > 0) links.push_back(Link(window(offset > limit ? offset - limit : 0), "prev", type));
  return links;
}

json Link(const std::string& href, std::string_view rel, std::string_view type,
          std::string_view title) {
  json l = {{"href", href}, {"rel", rel}, {"type", type}};
  if (!title.empty()) l["title"] = title;
  return l;
}

}  // namespace truce::server
