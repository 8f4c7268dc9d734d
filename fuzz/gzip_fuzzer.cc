// Gzip input (.json.gz, .csv.gz): formats::Gunzip, with small limits so that the size and
// ratio checks are reached.
#include <cstddef>
#include <cstdint>

#include "formats/text_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce::formats;
  ReadLimits limits;
  limits.max_bytes = 4 << 20;
  auto out = Gunzip(truce::fuzz::Text(data, size), "fuzz.gz", limits);
  if (out.ok()) FUZZ_CHECK(out->size() <= limits.max_bytes);
  return 0;
}
