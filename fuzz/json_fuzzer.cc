// formats::ParseJson and ParseJsonStreaming: the reader of every JSON input (files, HTTP
// bodies, stdin lines). Invariants: a document that parses serialises and parses back to
// itself, nests no deeper than the limit, and streaming its top-level array hands out the
// same elements.
#include <cstddef>
#include <cstdint>

#include "formats/json_reader.h"
#include "fuzz_support.h"

namespace {

size_t Depth(const nlohmann::json& v) {
  size_t deepest = 0;
  if (v.is_structured()) {
    for (const auto& child : v) deepest = std::max(deepest, Depth(child));
    return deepest + 1;
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce::formats;
  const std::string_view text = truce::fuzz::Text(data, size);
  auto doc = ParseJson(text, "fuzz.json");
  if (!doc.ok()) {
    FUZZ_CHECK(doc.error().message.rfind("fuzz.json:", 0) == 0);
    FUZZ_CHECK(doc.error().message.size() < 400);
    return 0;
  }
  FUZZ_CHECK(Depth(*doc) <= kMaxJsonDepth);
  const std::string dumped = doc->dump();  // parsed text is valid UTF-8: must not throw
  auto again = ParseJson(dumped, "again.json");
  FUZZ_CHECK(again.ok() && *again == *doc);
  size_t streamed = 0;
  bool same = true;
  const JsonElementFn each = [&](nlohmann::json&& element, size_t index) {
    same = same && index == streamed && doc->is_array() && (*doc)[index] == element;
    ++streamed;
  };
  auto rest = ParseJsonStreaming(text, "fuzz.json", "", each);
  FUZZ_CHECK(rest.ok() && same);
  FUZZ_CHECK(streamed == (doc->is_array() ? doc->size() : 0));
  return 0;
}
