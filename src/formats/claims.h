// Claims files (truce corroborate --claims) and the claim JSON object the server accepts: a
// JSON array of objects or JSON lines. docs/formats.md gives the fields.
//
// The object is a superset of the server's claim ({"party", "stance": "assert"|"deny",
// "text", optional "incident", "about", "made_at", "source"}): every object the server accepts
// reads here, and "kind", "id" and an accusation's when, where, event type, zone and count
// extend it. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "truce/incident.h"
#include "truce/result.h"

namespace truce::formats {

// One claim. Without "kind" it follows from the stance and what is named: an incident alone is
// assert_incident / deny_incident; an incident and "about" assign_responsibility /
// deny_responsibility; "about" alone accuse / deny_responsibility. With "kind" the stance must
// agree with it. `id` is the object's "id", else `default_id`. On failure the error lists every
// problem as "ORIGIN: FIELD: problem".
//
// kSubmitted (files, requests): every kind's required fields are checked, in either form, so
// that every claim read writes out (ClaimToJson, which names the kind) and reads back; an
// empty "incident" or "about" is no incident or party. kLogged: a claim already in the log,
// read as it was accepted; before every form was checked, the server's form (no "kind") let an
// empty "incident" or "about" through, and such a claim stays readable where it was stored.
enum class ClaimReading { kSubmitted, kLogged };
[[nodiscard]] Result<Claim> ClaimFromJson(const nlohmann::json& object, const std::string& origin,
                                          const std::string& default_id,
                                          ClaimReading reading = ClaimReading::kSubmitted);

// Every claim of a file; ids default to "NAME:LINE" (JSON lines) or "NAME record N" (an array),
// NAME being the file's name without its directory. A file with any bad claim is refused,
// every problem listed.
[[nodiscard]] Result<std::vector<Claim>> ParseClaims(std::string_view text,
                                                     const std::string& file);

// The claim as output: id, party, kind, stance, incident, about, text, made_at, source, and an
// accusation's from, to, latitude, longitude, radius_m, event_type, zone, count when set.
nlohmann::ordered_json ClaimToJson(const Claim& claim);

}  // namespace truce::formats
