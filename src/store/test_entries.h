// Log entries for the store tests. Their hashes and signatures are placeholders: the store keeps
// bytes, the ledger gives them meaning.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace truce::store::testing {

inline UtcTime T(const char* text) { return *ParseTimestamp(text); }

// An entry carrying one report revision, with its query row. The event happens over one day
// from `happened`, at (lat, 36.4).
inline std::pair<LogEntry, EntryIndex> ReportEntry(uint64_t index, const std::string& event_id,
                                                   int revision, const char* received,
                                                   const char* happened, double lat = 33.5,
                                                   const std::string& party = "") {
  LogEntry e{index,
             "report",
             T(received),
             "tok1",
             party,
             "{\"report\":" + std::to_string(index) + "}",
             LeafHash(std::to_string(index)),
             std::string(64, 's')};
  ReportRow r;
  r.entry = index;
  r.event_id = event_id;
  r.revision = revision;
  r.received_at = e.received_at;
  r.party = party;
  r.event_type = "Battles";
  r.source = "src";
  r.time_begin = T(happened);
  r.time_end = r.time_begin + std::chrono::hours(24);
  r.latitude = lat;
  r.longitude = 36.4;
  return {e, EntryIndex{{r}, {}, {}, {}, {}}};
}

// A placeholder head of a log of `size` entries.
inline TreeHead HeadOf(uint64_t size) {
  return TreeHead{size, Sha256(std::to_string(size)), T("2024-01-01"), std::string(64, 'h')};
}

// Appends `batch` with the head of the log it ends.
inline Status AppendTo(Store& store, const std::vector<std::pair<LogEntry, EntryIndex>>& batch) {
  std::vector<LogEntry> entries;
  std::vector<EntryIndex> index;
  for (const auto& [e, i] : batch) {
    entries.push_back(e);
    index.push_back(i);
  }
  const uint64_t size = entries.empty() ? 0 : entries.back().index + 1;
  return store.Append(entries, index, HeadOf(size));
}

}  // namespace truce::store::testing
