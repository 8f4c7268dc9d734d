#include "app/air_evidence.h"

#include <algorithm>

#include "truce/air_ground.h"

namespace truce::app {
namespace {

bool ByTime(const Position& a, const Position& b) { return a.time < b.time; }

// The slice of time-ordered `positions` within `interval`.
std::span<const Position> During(const std::vector<Position>& positions,
                                 const TimeInterval& interval) {
  const auto first = std::lower_bound(positions.begin(), positions.end(), interval.begin(),
                                      [](const Position& p, UtcTime t) { return p.time < t; });
  const auto last = std::lower_bound(first, positions.end(), interval.end(),
                                     [](const Position& p, UtcTime t) { return p.time < t; });
  return {first, last};
}

}  // namespace

void AirEvidence::Fuse(uint64_t size, Meters distance, std::span<const Report* const> reports,
                       std::vector<Evidence>& out) const {
  out.clear();
  if (reports.empty()) return;
  UtcTime begin = reports.front()->when().begin(), end = reports.front()->when().end();
  for (const Report* r : reports) {
    begin = std::min(begin, r->when().begin());
    end = std::max(end, r->when().end());
  }
  std::vector<Position> positions =
      flights_.Positions(0, size, TimeInterval::Create(begin, end).value());
  // Stable: each aircraft's fixes keep their log order, which decides between two fixes of one
  // time as the CLI's file order does.
  std::stable_sort(positions.begin(), positions.end(), ByTime);
  TrackOptions options;
  options.max_gap = flights_.options().max_gap;
  for (const Report* r : reports) {
    Evidence& e = out.emplace_back();
    e.distance = distance.value;
    FuseStrike(*r, During(positions, r->when()), distance, options, e.links, e.coverage);
  }
}

void AirEvidence::Fill(uint64_t size, Meters distance, std::span<Incident> incidents) {
  std::vector<const Report*> strikes;
  for (const Incident& i : incidents) {
    for (const Report* r : i.reports) {
      if (IsAirStrike(*r)) strikes.push_back(r);
    }
  }
  std::unordered_map<const Report*, Evidence> fresh;
  std::lock_guard lock(mu_);
  const bool current = size >= size_;
  if (current && size > size_ && !cache_.empty()) {
    // A fix logged since then re-fuses the strike reports whose interval holds it.
    std::vector<Position> added = flights_.Positions(size_, size);
    std::sort(added.begin(), added.end(), ByTime);
    for (auto it = cache_.begin(); it != cache_.end();) {
      if (!During(added, it->first->when()).empty()) {
        it = cache_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (current) size_ = size;
  std::vector<const Report*> missing;
  for (const Report* r : strikes) {
    const auto it = current ? cache_.find(r) : cache_.end();
    if (it == cache_.end() || it->second.distance != distance.value) missing.push_back(r);
  }
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  std::vector<Evidence> computed;
  Fuse(size, distance, missing, computed);
  for (size_t k = 0; k < missing.size(); ++k) {
    (current ? cache_ : fresh)[missing[k]] = std::move(computed[k]);
  }
  const auto& from = current ? cache_ : fresh;
  for (Incident& i : incidents) {
    i.tracks.clear();
    i.coverage.clear();
    for (const Report* r : i.reports) {
      if (!IsAirStrike(*r)) continue;
      const Evidence& e = from.at(r);
      i.tracks.insert(i.tracks.end(), e.links.begin(), e.links.end());
      i.coverage.push_back(e.coverage);
    }
  }
  if (current) {
    // Revisions no longer current are forgotten.
    std::unordered_map<const Report*, Evidence> kept;
    for (const Report* r : strikes) {
      if (auto node = cache_.extract(r)) kept.insert(std::move(node));
    }
    cache_ = std::move(kept);
  }
}

}  // namespace truce::app
