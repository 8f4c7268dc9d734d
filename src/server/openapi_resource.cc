// /api/v1/openapi.json, /api/v1/openapi.yaml, /api/v1/docs: the API definition, docs/openapi.yaml
// as embedded at build time (tools/openapi/embed_openapi.py), with `servers` set to this
// server's public base URL; the OGC landing page links them as service-desc and service-doc.
// tests/ogc_test.cc checks that the definition and the route table list the same operations.
#include <fmt/format.h>

#include "formats/records.h"
#include "server/openapi_definition.h"
#include "server/routing.h"

namespace truce::server {

const nlohmann::json& OpenApiDefinition() {
  // Parsed once; the build step has checked that it is JSON.
  static const nlohmann::json doc = nlohmann::json::parse(generated::kOpenApiJsonView);
  return doc;
}

namespace {

using nlohmann::json;

ApiResponse DefinitionJson(const Call& c) {
  json doc = OpenApiDefinition();
  doc["servers"] = json::array({{{"url", c.req.base_url}}});
  return JsonResponse(doc, 200, std::string(kOpenApiMediaType));
}

ApiResponse DefinitionYaml(const Call& c) {
  ApiResponse r;
  r.content_type = "application/yaml";
  // The base URL was checked when the server started (http[s]://host[:port][/prefix]): a plain
  // YAML scalar.
  r.body = fmt::format("{}  - url: {}\n{}", generated::kOpenApiYamlHeadView, c.req.base_url,
                       generated::kOpenApiYamlTailView);
  return r;
}

// A human-readable page (the OGC service-doc): every operation with its summary, and links to
// the definition in both forms.
ApiResponse DefinitionPage(const Call& c) {
  const json& doc = OpenApiDefinition();
  const json& info = doc["info"];
  std::string rows;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (!op.is_object() || !op.contains("responses")) continue;
      std::string upper = method;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      rows += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>\n", upper,
                          formats::EscapeHtml(path), formats::EscapeHtml(op.value("summary", "")));
    }
  }
  ApiResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0} API</title>"
      "<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}"
      "td{{padding:.2em .6em;vertical-align:top}}</style></head><body>\n"
      "<h1>{0} {1}</h1>\n<p>{2}</p>\n"
      "<p>The definition: <a href=\"{3}/api/v1/openapi.json\">OpenAPI 3.0 JSON</a>, "
      "<a href=\"{3}/api/v1/openapi.yaml\">YAML</a>. OGC API - Features: "
      "<a href=\"{3}/ogc\">{3}/ogc</a>.</p>\n<table>\n{4}</table>\n</body></html>\n",
      formats::EscapeHtml(info.value("title", "")), formats::EscapeHtml(info.value("version", "")),
      formats::EscapeHtml(info.value("description", "")), formats::EscapeHtml(c.req.base_url),
      rows);
  return r;
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/openapi.json", app::Action::kReadFeatures, &DefinitionJson},
    {"GET", "/api/v1/openapi.yaml", app::Action::kReadFeatures, &DefinitionYaml},
    {"GET", "/api/v1/docs", app::Action::kReadFeatures, &DefinitionPage},
};

}  // namespace

std::span<const Route> OpenApiRoutes() { return kRoutes; }

}  // namespace truce::server
