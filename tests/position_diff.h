// Comparing the fast position readers with the reference reader (src/formats/positions.h):
// both must accept the same records with the same values, and refuse the same records, or
// the same file, with the same messages.
#pragma once

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "formats/positions.h"

namespace truce::testing {

inline void ExpectSamePosition(const Position& a, const Position& b, const std::string& where) {
  EXPECT_EQ(a.icao24, b.icao24) << where;
  EXPECT_EQ(a.time, b.time) << where;
  // Bit for bit: the same double, the same sign of zero.
  EXPECT_EQ(a.where.lat(), b.where.lat()) << where;
  EXPECT_EQ(a.where.lng(), b.where.lng()) << where;
  EXPECT_EQ(std::signbit(a.where.lat()), std::signbit(b.where.lat())) << where;
  EXPECT_EQ(std::signbit(a.where.lng()), std::signbit(b.where.lng())) << where;
  EXPECT_EQ(a.baro_altitude.has_value(), b.baro_altitude.has_value()) << where;
  if (a.baro_altitude && b.baro_altitude) {
    EXPECT_EQ(a.baro_altitude->value, b.baro_altitude->value) << where;
  }
  EXPECT_EQ(a.geo_altitude.has_value(), b.geo_altitude.has_value()) << where;
  if (a.geo_altitude && b.geo_altitude) {
    EXPECT_EQ(a.geo_altitude->value, b.geo_altitude->value) << where;
  }
  EXPECT_EQ(a.callsign, b.callsign) << where;
  EXPECT_EQ(a.on_ground, b.on_ground) << where;
}

// `fast` (ParsePositions) against `reference` (ParsePositionsReference) of the same text.
inline void ExpectSameBatch(const Result<formats::PositionBatch>& fast,
                            const Result<formats::PositionBatch>& reference,
                            const std::string& where) {
  ASSERT_EQ(fast.ok(), reference.ok()) << where;
  if (!fast.ok()) {
    EXPECT_EQ(fast.error().message, reference.error().message) << where;
    EXPECT_EQ(fast.error().code, reference.error().code) << where;
    return;
  }
  EXPECT_EQ(fast->records, reference->records) << where;
  EXPECT_EQ(fast->without_position, reference->without_position) << where;
  ASSERT_EQ(fast->positions.size(), reference->positions.size()) << where;
  for (size_t i = 0; i < fast->positions.size(); ++i) {
    ExpectSamePosition(fast->positions[i], reference->positions[i],
                       where + " position " + std::to_string(i));
    if (::testing::Test::HasFailure()) return;  // one record's detail is enough
  }
  ASSERT_EQ(fast->rejected.size(), reference->rejected.size()) << where;
  for (size_t i = 0; i < fast->rejected.size(); ++i) {
    EXPECT_EQ(fast->rejected[i].origin, reference->rejected[i].origin) << where;
    EXPECT_EQ(fast->rejected[i].reasons, reference->rejected[i].reasons) << where;
    EXPECT_EQ(fast->rejected[i].raw, reference->rejected[i].raw) << where;
  }
}

}  // namespace truce::testing
