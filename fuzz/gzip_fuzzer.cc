// Gzip input (.json.gz, .csv.gz): formats::Gunzip, with small limits so that the size and
// ratio checks are reached, and soon: an input of 2 KiB may inflate to 256 KiB, and the ratio
// is checked from 16 KiB on (with the defaults, 1 MiB of output per input made the target
// run at a few hundred inputs a second).
#include <cstddef>
#include <cstdint>

#include "formats/text_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce::formats;
  ReadLimits limits;
  limits.max_bytes = 256 << 10;
  limits.gzip_ratio_grace = 16 << 10;
  auto out = Gunzip(truce::fuzz::Text(data, size), "fuzz.gz", limits);
  if (out.ok()) FUZZ_CHECK(out->size() <= limits.max_bytes);
  return 0;
}
