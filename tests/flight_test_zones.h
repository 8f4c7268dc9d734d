// No-fly test zones drawn over the areas of the real flight samples in ../shared/data/flights,
// as a zones GeoJSON document (docs/formats.md). Authored for tests and benchmarks; they mean
// nothing outside them.
//
// Over Switzerland (2018-08-01, the 842-aircraft sample: all of it above 9 km, clipped to a
// box from 5.96 to 10.49 E), in force from 2018-01-01:
//   alps        version 1 until 12:00 UTC, a 14-vertex polygon over the Alps; version 2 from
//               12:00, a smaller one with a ceiling of 11000 m (a version change, and a band
//               that cruising aircraft climb through);
//   zurich      a square round Zurich with the airport area cut out as a hole;
//   jura-west,  two rectangles sharing the edge along 7.0 E; jura-west reaches past the
//   jura-east   sample's western edge, so tracks leaving the data there are lost inside;
//   geneva-layer  a rectangle round Geneva between 10000 and 11000 m (a layer with a floor).
// Over France (2022-03/04, the SAVAN17 survey flights), in force from 2022-01-01:
//   toulouse    the aircraft's base, with taxiing (on the ground) inside;
//   centre      a pentagon over central France above 6500 m (the survey flies at ~6700 m);
//   paris       a square with Le Bourget cut out as a hole.
// Plus ceasefire-only, a zone without a no_fly rule that must never produce a violation.
#pragma once

namespace truce::testing {

inline constexpr const char* kFlightTestZones = R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"zone":"alps","version":1,"valid_from":"2018-01-01","valid_to":"2018-08-01T12:00:00Z","rules":["no_fly"]},
 "geometry":{"type":"Polygon","coordinates":[[[6.80,46.00],[7.50,45.90],[8.20,46.00],[8.90,46.20],[9.50,46.30],[10.20,46.40],[10.40,46.70],[9.80,46.90],[9.00,46.85],[8.30,46.75],[7.60,46.55],[7.00,46.45],[6.70,46.30],[6.80,46.00]]]}},
{"type":"Feature","properties":{"zone":"alps","version":2,"valid_from":"2018-08-01T12:00:00Z","rules":["no_fly"],"max_alt_m":11000},
 "geometry":{"type":"Polygon","coordinates":[[[7.00,46.00],[8.20,46.05],[9.50,46.35],[9.80,46.60],[9.00,46.80],[7.60,46.50],[7.00,46.35],[7.00,46.00]]]}},
{"type":"Feature","properties":{"zone":"zurich","valid_from":"2018-01-01","rules":["no_fly"]},
 "geometry":{"type":"Polygon","coordinates":[[[8.20,47.20],[8.90,47.20],[8.90,47.65],[8.20,47.65],[8.20,47.20]],[[8.45,47.40],[8.45,47.52],[8.65,47.52],[8.65,47.40],[8.45,47.40]]]}},
{"type":"Feature","properties":{"zone":"jura-west","valid_from":"2018-01-01","rules":["no_fly"]},
 "geometry":{"type":"Polygon","coordinates":[[[5.50,46.80],[7.00,46.80],[7.00,47.50],[5.50,47.50],[5.50,46.80]]]}},
{"type":"Feature","properties":{"zone":"jura-east","valid_from":"2018-01-01","rules":["no_fly"]},
 "geometry":{"type":"Polygon","coordinates":[[[7.00,46.80],[7.80,46.80],[7.80,47.50],[7.00,47.50],[7.00,46.80]]]}},
{"type":"Feature","properties":{"zone":"geneva-layer","valid_from":"2018-01-01","rules":["no_fly"],"min_alt_m":10000,"max_alt_m":11000},
 "geometry":{"type":"Polygon","coordinates":[[[5.90,46.10],[6.40,46.10],[6.40,46.40],[5.90,46.40],[5.90,46.10]]]}},
{"type":"Feature","properties":{"zone":"ceasefire-only","valid_from":"2018-01-01","rules":["ceasefire"]},
 "geometry":{"type":"Polygon","coordinates":[[[5.00,45.00],[11.00,45.00],[11.00,48.50],[5.00,48.50],[5.00,45.00]]]}},
{"type":"Feature","properties":{"zone":"toulouse","valid_from":"2022-01-01","rules":["no_fly"]},
 "geometry":{"type":"Polygon","coordinates":[[[1.00,43.40],[1.80,43.40],[1.80,43.90],[1.00,43.90],[1.00,43.40]]]}},
{"type":"Feature","properties":{"zone":"centre","valid_from":"2022-01-01","rules":["no_fly"],"min_alt_m":6500},
 "geometry":{"type":"Polygon","coordinates":[[[0.50,44.50],[3.50,44.50],[3.50,46.50],[2.00,46.80],[0.50,46.50],[0.50,44.50]]]}},
{"type":"Feature","properties":{"zone":"paris","valid_from":"2022-01-01","rules":["no_fly"]},
 "geometry":{"type":"Polygon","coordinates":[[[1.80,48.50],[3.00,48.50],[3.00,49.50],[1.80,49.50],[1.80,48.50]],[[2.35,48.90],[2.35,49.00],[2.55,49.00],[2.55,48.90],[2.35,48.90]]]}}
]})";

}  // namespace truce::testing
