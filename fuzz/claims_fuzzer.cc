// formats::ParseClaims: a claims file (JSON array or JSON lines), as `truce corroborate
// --claims` and `serve --seed` read it. Invariants: a refusal names the file and stays
// bounded; every claim read writes out (ClaimToJson) and reads back to the same output.
#include <cstddef>
#include <cstdint>

#include "formats/claims.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce::formats;
  auto claims = ParseClaims(truce::fuzz::Text(data, size), "fuzz.json");
  if (!claims.ok()) {
    FUZZ_CHECK(claims.error().message.find("fuzz.json") != std::string::npos);
    FUZZ_CHECK(claims.error().message.size() < 4000);
    return 0;
  }
  for (const truce::Claim& c : *claims) {
    const nlohmann::ordered_json out = ClaimToJson(c);
    auto again = ClaimFromJson(nlohmann::json::parse(out.dump()), "again", "");
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(ClaimToJson(*again) == out);
  }
  return 0;
}
