// A scenario whose zones have real boundaries of thousands of vertices, for the evaluator's
// tests and benchmark: OCHA's Damascus (SY01, 1,336 vertices) and Rural Damascus (SY03, 2,329,
// with Damascus as its hole), from syr_admin1.geojson of ../shared/data. The Syrian Archive's
// Eastern Ghouta incidents lie across their shared edge. One ceasefire rule binding everyone,
// in force from 2017-05-06.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "formats/geojson.h"
#include "formats/json_reader.h"
#include "truce/scenario.h"

namespace truce::testing {

inline constexpr const char* kOchaAdmin1 = "boundaries/ocha_cod_ab_syr_2016/syr_admin1.geojson";

// `text`: the file's content; `file` names it in errors.
inline Result<Scenario> OchaDamascusScenario(std::string_view text, const std::string& file) {
  auto doc = formats::ParseJson(text, file);
  if (!doc.ok()) return std::move(doc).error();
  ScenarioSpec spec;
  spec.origin = file;
  Agreement memo;
  memo.id = "memo";
  memo.clauses = {{"2", "cessation of hostilities"}};
  spec.agreements = {memo};
  for (const nlohmann::json& feature : doc->value("features", nlohmann::json::array())) {
    const std::string pcode = feature["properties"].value("PCODE", "");
    if (pcode != "SY01" && pcode != "SY03") continue;
    ZoneVersionSpec z;
    z.origin = fmt::format("{} {}", file, pcode);
    z.zone = pcode == "SY01" ? "damascus" : "rural-damascus";
    z.valid_from = *ParseUtcTime("2017-05-06");
    std::vector<std::string> problems;
    if (!formats::ParseGeometry(feature["geometry"], z.origin, z.shape, problems)) {
      return MakeError(ErrorCode::kInvalidInput, problems.front());
    }
    z.rules = {Rule{RuleKind::kCeasefire, "memo", "2", {}}};
    auto version = ZoneVersion::Create(std::move(z));
    if (!version.ok()) return std::move(version).error();
    spec.zone_versions.push_back(std::move(version).value());
  }
  if (spec.zone_versions.size() != 2) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: expected the features SY01 and SY03", file));
  }
  return Scenario::Create(std::move(spec));
}

}  // namespace truce::testing
