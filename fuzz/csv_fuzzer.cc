// The CSV reader under every CSV format: formats::ParseCsv. Invariants: every record has the
// header's field count, and a table written back with CsvJoin reads back the same.
#include <cstddef>
#include <cstdint>

#include "formats/csv.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce::formats;
  auto table = ParseCsv(truce::fuzz::Text(data, size), "fuzz.csv");
  if (!table.ok()) {
    FUZZ_CHECK(table.error().message.rfind("fuzz.csv", 0) == 0);
    return 0;
  }
  for (const CsvRecord& r : table->records) FUZZ_CHECK(r.fields.size() == table->header.size());
  if (table->header.size() < 2) return 0;  // a one-column blank row would be skipped
  std::string text = CsvJoin(table->header) + "\n";
  for (const CsvRecord& r : table->records) text += CsvJoin(r.fields) + "\r\n";
  auto again = ParseCsv(text, "again.csv");
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->header == table->header);
  FUZZ_CHECK(again->records.size() == table->records.size());
  for (size_t i = 0; i < again->records.size(); ++i) {
    FUZZ_CHECK(again->records[i].fields == table->records[i].fields);
  }
  return 0;
}
