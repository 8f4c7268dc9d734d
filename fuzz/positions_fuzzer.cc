// A positions file in any of its forms (OpenSky CSV, traffic JSON array, JSON lines, gzip):
// formats::ParsePositions and ParsePositionLines, then tracks from what was accepted; and
// formats::ReadPositionsFile, the windowed reader of `truce flights`, on the same bytes as a
// file, which must give what ReadTextFile + ParsePositions give: the same positions bit for
// bit, the same rejected records and the same errors, wherever its windows cut the text.
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "formats/json_reader.h"
#include "formats/positions.h"
#include "formats/text_file.h"
#include "fuzz_support.h"
#include "truce/text_policy.h"

namespace {

void CheckBatch(const truce::formats::PositionBatch& batch) {
  using namespace truce;
  FUZZ_CHECK(batch.records ==
             batch.positions.size() + batch.rejected.size() + batch.without_position);
  for (const Position& p : batch.positions) {
    FUZZ_CHECK(p.icao24.size() == 6);
    FUZZ_CHECK(!TextProblem(p.callsign, kCallsignField));
    FUZZ_CHECK(LatLng::IsValid(p.where.lat(), p.where.lng()));
  }
  for (const formats::RejectedPosition& r : batch.rejected) FUZZ_CHECK(!r.reasons.empty());
  // The rejects file's encoding of a rejected record; every record's raw text and reasons are
  // cut and quoted by the same code, so the first stands for the rest (dumping them all was a
  // fifth of the target's time, the first eight still a sixth).
  if (!batch.rejected.empty()) {
    const formats::RejectedPosition& r = batch.rejected.front();
    (void)formats::SafeDump(nlohmann::json{{"raw", r.raw}, {"reasons", r.reasons}});
  }
  (void)BuildTracks(batch.positions);
}

bool SameAltitude(const std::optional<truce::Meters>& a, const std::optional<truce::Meters>& b) {
  return a.has_value() == b.has_value() && (!a || a->value == b->value);
}

bool SamePosition(const truce::Position& a, const truce::Position& b) {
  return a.icao24 == b.icao24 && a.time == b.time && a.where.lat() == b.where.lat() &&
         a.where.lng() == b.where.lng() &&
         std::signbit(a.where.lat()) == std::signbit(b.where.lat()) &&
         std::signbit(a.where.lng()) == std::signbit(b.where.lng()) &&
         SameAltitude(a.baro_altitude, b.baro_altitude) &&
         SameAltitude(a.geo_altitude, b.geo_altitude) && a.callsign == b.callsign &&
         a.on_ground == b.on_ground;
}

void CheckSame(const truce::Result<truce::formats::PositionBatch>& streamed,
               const truce::Result<truce::formats::PositionBatch>& whole) {
  FUZZ_CHECK(streamed.ok() == whole.ok());
  if (!whole.ok()) {
    FUZZ_CHECK(streamed.error().code == whole.error().code);
    FUZZ_CHECK(streamed.error().message == whole.error().message);
    return;
  }
  FUZZ_CHECK(streamed->records == whole->records);
  FUZZ_CHECK(streamed->without_position == whole->without_position);
  FUZZ_CHECK(streamed->positions.size() == whole->positions.size());
  for (size_t i = 0; i < whole->positions.size(); ++i) {
    FUZZ_CHECK(SamePosition(streamed->positions[i], whole->positions[i]));
  }
  FUZZ_CHECK(streamed->rejected.size() == whole->rejected.size());
  for (size_t i = 0; i < whole->rejected.size(); ++i) {
    FUZZ_CHECK(streamed->rejected[i].origin == whole->rejected[i].origin);
    FUZZ_CHECK(streamed->rejected[i].reasons == whole->rejected[i].reasons);
    FUZZ_CHECK(streamed->rejected[i].raw == whole->rejected[i].raw);
  }
}

// The input as a file (StreamedPath), read through windows and pieces whose sizes come from the
// input's length, so that mutations move the cuts: from one byte, which cuts everywhere, to the
// defaults `truce flights` uses.
void CheckStreamed(std::string_view text, const std::string& path,
                   const truce::Result<truce::formats::PositionBatch>& parsed) {
  using namespace truce::formats;
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return;  // no tmpfs here: the in-memory readers were still checked
    const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !written) return;
  }
  constexpr size_t kWindows[] = {1, 7, 64, 1000, PositionStreamOptions{}.window_bytes};
  constexpr size_t kChunks[] = {1, 3, 64, PositionStreamOptions{}.chunk_bytes};
  PositionStreamOptions options{kWindows[text.size() % 5], kChunks[(text.size() / 5) % 4]};
  // A thread per input is costly under the sanitizers (its stack mapped and unmapped), and the
  // text it hands over is the same: one input in four reads ahead.
  options.read_ahead = (text.size() / 20) % 4 == 0;
  // The whole-text reading: `parsed` is already ParsePositions of these bytes under this name,
  // unless the file is read otherwise (inflated).
  const auto whole_text = ReadTextFile(path);
  if (whole_text.ok() && *whole_text == text) {
    CheckSame(ReadPositionsFile(path, options), parsed);
    return;
  }
  const auto whole = whole_text.ok() ? ParsePositions(*whole_text, path)
                                     : truce::Result<PositionBatch>(whole_text.error());
  CheckSame(ReadPositionsFile(path, options), whole);
}

// The file CheckStreamed writes: on tmpfs, one per process (libFuzzer runs inputs one at a
// time), removed at exit. Its name is also the name the in-memory readers are given, so that
// their messages are comparable.
const std::string& StreamedPath() {
  struct File {
    std::string path = "/dev/shm/truce_positions_fuzz_" + std::to_string(::getpid());
    ~File() { std::remove(path.c_str()); }
  };
  static const File file;
  return file.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce;
  const std::string_view text = fuzz::Text(data, size);
  const std::string& path = StreamedPath();
  const auto batch = formats::ParsePositions(text, path);
  if (batch.ok()) CheckBatch(*batch);
  CheckBatch(formats::ParsePositionLines(text, "stdin"));
  CheckStreamed(text, path, batch);
  return 0;
}
