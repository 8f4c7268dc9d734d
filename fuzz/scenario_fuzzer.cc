// A scenario.json document: formats::ReadScenarioRegister, then the cross-checks of
// Scenario::Create.
#include <cstddef>
#include <cstdint>

#include "formats/json_reader.h"
#include "formats/scenario_reader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce;
  auto doc = formats::ParseJson(fuzz::Text(data, size), "scenario.json");
  if (!doc.ok()) return 0;
  ScenarioSpec spec;
  spec.origin = "scenario.json";
  std::vector<std::string> problems;
  const std::vector<std::string> zones =
      formats::ReadScenarioRegister(*doc, "scenario.json", spec, problems);
  for (const std::string& p : problems) FUZZ_CHECK(p.rfind("scenario.json", 0) == 0);
  auto scenario = Scenario::Create(std::move(spec));
  if (scenario.ok() && problems.empty()) {
    // What was accepted serialises: every text passed the text policy.
    for (const Party& p : scenario->parties()) (void)nlohmann::json(p.id).dump();
  }
  return 0;
}
