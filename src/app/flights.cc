#include "app/flights.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include <fmt/format.h>

namespace truce::app {
namespace {

// JudgeFlights' order: by entry time, then icao24; ties (one track's violations entering at
// the same instant) keep Detect's order, since each track's violations come together.
void SortViolations(std::vector<FlightViolation>& violations) {
  std::stable_sort(violations.begin(), violations.end(),
                   [](const FlightViolation& x, const FlightViolation& y) {
                     return std::tie(x.entry.time, x.icao24) < std::tie(y.entry.time, y.icao24);
                   });
}

}  // namespace

std::vector<FlightViolation> JudgeFlights(std::vector<Position> positions,
                                          const FlightMonitor& monitor, TrackStats* stats) {
  TrackOptions track_options;
  track_options.max_gap = monitor.options().max_gap;
  const std::vector<Track> tracks = BuildTracks(std::move(positions), track_options, stats);
  std::vector<FlightViolation> violations = monitor.Detect(tracks);
  SortViolations(violations);
  return violations;
}

// ---- FlightJudge ----

struct FlightJudge::Aircraft {
  std::vector<Position> held;  // not yet judged, in input order
  UtcTime latest{};            // the latest time held
  // The start of the latest track begun in time order (a fix more than max_gap after every
  // earlier one): the tracks held that end more than max_gap before it are over, as long as
  // the aircraft's records come in time order (a later one that does not spoils the judgement).
  std::optional<UtcTime> track_begun;
  size_t touched = 0;   // the sweep during which a position was last held
  bool listed = false;  // in holding_ (once each, until a sweep finds it holding nothing)
  // A look that judged nothing re-sorts what is held: the next waits until this many are.
  size_t look_again_at = 0;
  // The tracks judged before the end, [first, last] fix times, ordered by time: disjoint and
  // more than max_gap apart, since each is a whole track of the aircraft.
  std::vector<std::pair<UtcTime, UtcTime>> judged;

  // Whether BuildTracks would put a fix at `t` in (or before) a track already judged: only the
  // last span that begins by t + gap can be within gap of t.
  bool JoinsJudged(UtcTime t, std::chrono::milliseconds gap) const {
    auto after = std::upper_bound(judged.begin(), judged.end(), t + gap,
                                  [](UtcTime x, const auto& span) { return x < span.first; });
    return after != judged.begin() && std::prev(after)->second >= t - gap;
  }
  void AddJudged(UtcTime first, UtcTime last) {
    auto at = std::upper_bound(judged.begin(), judged.end(), first,
                               [](UtcTime x, const auto& span) { return x < span.first; });
    judged.emplace(at, first, last);
  }
};

FlightJudge::FlightJudge(const FlightMonitor& monitor, FlightJudgeOptions options)
    : monitor_(monitor), options_(options) {}
FlightJudge::~FlightJudge() = default;

bool FlightJudge::Take(std::vector<Position>& positions) {
  for (Position& p : positions) {
    if (!Add(p)) return false;
    if (++taken_ % std::max<size_t>(options_.sweep_every, 1) == 0) Sweep();
  }
  return true;
}

bool FlightJudge::Add(Position& p) {
  const auto gap = monitor_.options().max_gap;
  if (!latest_ || p.time > *latest_) latest_ = p.time;
  std::unique_ptr<Aircraft>& slot = aircraft_[p.icao24];
  if (!slot) slot = std::make_unique<Aircraft>();
  Aircraft& a = *slot;
  if (a.JoinsJudged(p.time, gap)) {
    spoiled_ = true;
    return false;
  }
  if (*latest_ - p.time > gap) ++behind_;
  if (a.held.empty()) {
    a.latest = p.time;
  } else if (p.time > a.latest) {
    if (p.time - a.latest > gap) a.track_begun = p.time;
    a.latest = p.time;
  }
  a.touched = sweeps_;
  a.held.push_back(std::move(p));
  if (!a.listed) {
    a.listed = true;
    holding_.push_back(&a);
  }
  max_held_ = std::max(max_held_, ++held_);
  return true;
}

void FlightJudge::Sweep() {
  ++sweeps_;
  // Most of the last sweep's positions far behind the latest time read: the input is not
  // ordered by time (grouped by aircraft or flight), and an aircraft's silence says more than
  // the times do.
  const bool grouped = 2 * behind_ > std::max<size_t>(options_.sweep_every, 1);
  behind_ = 0;
  if (held_ <= options_.held_budget) return;
  const auto gap = monitor_.options().max_gap;
  // The aircraft silent longest first.
  std::erase_if(holding_, [](Aircraft* a) {
    a->listed = !a->held.empty();
    return !a->listed;
  });
  std::stable_sort(holding_.begin(), holding_.end(),
                   [](const Aircraft* x, const Aircraft* y) { return x->touched < y->touched; });
  for (Aircraft* a : holding_) {
    if (held_ <= options_.held_budget / 2) break;
    const bool silent = a->touched + 1 < sweeps_;
    if (silent && (grouped || a->latest < *latest_ - gap)) {
      Judge(*a, kEndOfTime);
    } else if (a->track_begun && a->held.size() >= a->look_again_at) {
      Judge(*a, *a->track_begun);
    }
  }
}

void FlightJudge::Judge(Aircraft& a, UtcTime horizon) {
  const auto gap = monitor_.options().max_gap;
  TrackOptions track_options;
  track_options.max_gap = gap;
  TrackStats s;
  held_ -= a.held.size();
  std::vector<Track> tracks = BuildTracks(std::exchange(a.held, {}), track_options, &s);
  stats_.duplicates += s.duplicates;
  a.track_begun.reset();
  // BuildTracks orders the tracks by time, so those over come first.
  for (Track& t : tracks) {
    const UtcTime first = t.positions.front().time, last = t.positions.back().time;
    if (horizon != kEndOfTime && !(last < horizon - gap)) {
      std::move(t.positions.begin(), t.positions.end(), std::back_inserter(a.held));
      continue;
    }
    std::vector<FlightViolation> v = monitor_.Detect(t);
    std::move(v.begin(), v.end(), std::back_inserter(violations_));
    ++stats_.tracks;
    if (!finishing_) {
      a.AddJudged(first, last);
      ++judged_early_;
    }
  }
  // What stays is looked at again once it has doubled, so that a track that goes on and on is
  // not sorted at every sweep.
  a.look_again_at = 2 * a.held.size();
  held_ += a.held.size();
}

std::vector<FlightViolation> FlightJudge::Finish(TrackStats* stats) {
  finishing_ = true;
  for (Aircraft* a : holding_) {
    if (!a->held.empty()) Judge(*a, kEndOfTime);
  }
  holding_.clear();
  stats_.positions = taken_;
  stats_.aircraft = aircraft_.size();
  stats_.gap_splits = stats_.tracks - stats_.aircraft;
  if (stats) *stats = stats_;
  SortViolations(violations_);
  return std::move(violations_);
}

namespace {

// ReadPositionsFile's sink for JudgeFlightFiles: the positions to the judge, the refused
// records counted, the first kept, all to the caller's sink.
class JudgingSink final : public formats::PositionSink {
 public:
  JudgingSink(FlightJudge* judge, JudgedFlights& out, RejectedSink* rejected)
      : judge_(judge), out_(out), rejected_(rejected) {}

  bool Take(std::vector<Position>& positions) override {
    return judge_ != nullptr && judge_->Take(positions);
  }
  bool TakeRejected(std::vector<formats::RejectedPosition>& rejected) override {
    for (formats::RejectedPosition& r : rejected) {
      ++out_.rejected;
      if (rejected_) rejected_->Take(r);
      if (out_.first_rejected.size() < JudgedFlights::kKeptRejected) {
        out_.first_rejected.push_back(std::move(r));
      }
    }
    return true;
  }
  bool Restart() override {
    if (judge_) judge_->Spoil();
    restarted_ = true;
    return false;
  }
  // Whether a reader started a file again (rather than the judge spoiling).
  bool restarted() const { return restarted_; }

 private:
  FlightJudge* judge_;  // null: the positions are not wanted (a count of the rejects only)
  JudgedFlights& out_;
  RejectedSink* rejected_;
  bool restarted_ = false;
};

}  // namespace

Result<JudgedFlights> JudgeFlightFiles(const std::vector<std::string>& files,
                                       const FlightMonitor& monitor,
                                       const FlightJudgeOptions& options, RejectedSink* rejected) {
  JudgedFlights out;
  bool restarted = false;
  {
    // A pipe cannot be read again, so nothing is judged before its end: the judgement cannot
    // spoil.
    FlightJudgeOptions judging = options;
    for (const std::string& file : files) {
      if (!formats::CanReadAgain(file)) judging.held_budget = SIZE_MAX;
    }
    FlightJudge judge(monitor, judging);
    JudgingSink sink(&judge, out, rejected);
    formats::PositionStreamOptions streamed;
    streamed.max_text_bytes = options.max_streamed_bytes;
    streamed.max_whole_bytes = options.max_whole_bytes;
    for (const std::string& file : files) {
      auto batch = formats::ReadPositionsFile(file, streamed, &sink);
      if (!batch.ok()) return std::move(batch).error();
      if (judge.spoiled()) break;
      out.records += batch->records;
      out.without_position += batch->without_position;
    }
    if (!judge.spoiled()) {
      out.violations = judge.Finish(&out.stats);
      out.max_held = judge.max_held();
      return out;
    }
    restarted = sink.restarted();
  }
  // Read again, whole: the order of the input did not let the tracks be judged as it came.
  out = JudgedFlights{};
  out.read_whole = true;
  if (rejected) rejected->StartOver();
  JudgingSink refused(nullptr, out, rejected);
  formats::PositionStreamOptions whole;
  whole.max_text_bytes = whole.max_whole_bytes = options.max_whole_bytes;
  std::vector<Position> positions;
  for (const std::string& file : files) {
    auto batch = formats::ReadPositionsFile(file, whole);
    if (!batch.ok()) {
      Error e = std::move(batch).error();
      // Only the limit for a file read whole is this pass's own doing.
      if (e.message.find(formats::kTooLargeToReadWhole) == std::string::npos) return e;
      e.message += restarted
                       ? " (the positions had to be read whole: a record the fast reader could "
                         "not vouch for made it read a file again)"
                       : " (the positions had to be read whole: an aircraft's fix came after a "
                         "track of it was judged, so they are in no order by time or by "
                         "aircraft; sort the files by time, or split them)";
      return e;
    }
    if (positions.empty()) {
      positions = std::move(batch->positions);
    } else {
      std::move(batch->positions.begin(), batch->positions.end(), std::back_inserter(positions));
    }
    out.records += batch->records;
    out.without_position += batch->without_position;
    refused.TakeRejected(batch->rejected);
  }
  out.max_held = positions.size();
  out.violations = JudgeFlights(std::move(positions), monitor, &out.stats);
  return out;
}

Error RefusedPositionsError(const JudgedFlights& judged, std::string_view consequence) {
  Error e = MakeError(ErrorCode::kInvalidInput,
                      fmt::format("{} bad position record{} ({})", judged.rejected,
                                  judged.rejected == 1 ? "" : "s", consequence));
  for (const auto& r : judged.first_rejected)
    for (const auto& reason : r.reasons) e.problems.push_back(Problem{"", reason});
  if (judged.rejected > judged.first_rejected.size()) {
    e.problems.push_back(Problem{"", fmt::format("... and {} more bad records",
                                                 judged.rejected - judged.first_rejected.size())});
  }
  return e;
}

}  // namespace truce::app
