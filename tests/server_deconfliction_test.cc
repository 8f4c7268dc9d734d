// Humanitarian deconfliction through the server, end to end over HTTP on a real SQLite file
// with the shipped scenario: real places (GeoNames, OCHA neighbourhood points) notified as
// sites, convoys at the edges of their notice, acknowledgement deadlines passing on the
// server's clock, delivery outcomes and the access verdict, every read of a site list logged
// and provable, the public shown no coordinates anywhere, and the alerts the server lists
// equal, record for record, to what `truce deconflict` prints for the same inputs, with strikes
// authored by GeographicLib Direct and checked against Inverse.
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include <GeographicLib/Geodesic.hpp>

#include "formats/csv.h"
#include "formats/positions.h"
#include "formats/text_file.h"
#include "server_harness.h"
#include "shared_data.h"
#include "sse_client.h"
#include "truce/merkle_log.h"

namespace truce::testing {
namespace {

using app::Role;

struct Place {
  std::string name;
  double lat = 0, lon = 0;
};

constexpr const char* kGeoNames = "gazetteer/geonames_cities_SY.json";
constexpr const char* kOchaPoints = "gazetteer/ocha_city_neighbourhoods_points.csv";

// A GeoNames place by its name.
Place GeoName(const std::string& name) {
  for (const json& p : LoadSharedJson(kGeoNames)) {
    if (p["name"] == name) {
      return {name, std::stod(p["lat"].get<std::string>()), std::stod(p["lng"].get<std::string>())};
    }
  }
  ADD_FAILURE() << "no GeoNames place " << name;
  return {};
}

// The OCHA neighbourhood points of the governorates named.
std::vector<Place> OchaPoints(const std::set<std::string>& governorates) {
  std::ifstream in(SharedDataPath(kOchaPoints));
  std::string line;
  std::getline(in, line);  // PCODE,NAME_EN,NAME_AR,AREA_EN,ADM4_EN,ADM3_EN,ADM3_PCODE,ADM2_EN,
                           // ADM1_EN,ADM1_PCODE,LATITUDE,LONGITUDE
  std::vector<Place> out;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    size_t start = 0;
    for (size_t i = 0; i <= line.size(); ++i) {
      if (i == line.size() || line[i] == ',') {
        f.push_back(line.substr(start, i - start));
        start = i + 1;
      }
    }
    if (f.size() != 12 || !governorates.contains(f[8])) continue;
    out.push_back({f[0], std::stod(f[10]), std::stod(f[11])});
  }
  return out;
}

const GeographicLib::Geodesic& Wgs84() { return GeographicLib::Geodesic::WGS84(); }
Place Direct(const Place& from, double azimuth, double metres, const std::string& name) {
  Place out{name};
  Wgs84().Direct(from.lat, from.lon, azimuth, metres, out.lat, out.lon);
  return out;
}
double Inverse(const Place& a, const Place& b) {
  double s = 0;
  Wgs84().Inverse(a.lat, a.lon, b.lat, b.lon, s);
  return s;
}

json PointSite(const std::string& id, const Place& p, const std::string& type = "hospital") {
  return {{"type", "Feature"},
          {"properties",
           {{"id", id}, {"type", type}, {"organisation", "SAMS"}, {"valid_from", "2017-06-01"}}},
          {"geometry", {{"type", "Point"}, {"coordinates", {p.lon, p.lat}}}}};
}

json Collection(std::vector<json> features) {
  return {{"type", "FeatureCollection"}, {"features", std::move(features)}};
}

json Convoy(const std::string& id, const Place& from, const Place& to, const std::string& start,
            const std::string& end, bool emergency = false) {
  json props = {{"id", id},
                {"organisation", "SARC"},
                {"window_start", start},
                {"window_end", end},
                {"destination_zone", "eastern-ghouta"},
                {"vehicles", 12},
                {"cargo", "food, medicine"}};
  if (emergency) props["emergency"] = true;
  return {{"type", "Feature"},
          {"properties", props},
          {"geometry",
           {{"type", "LineString"}, {"coordinates", {{from.lon, from.lat}, {to.lon, to.lat}}}}}};
}

// A strike report at `p` (a disc of `radius` metres) on 21 August 2017.
json Strike(const std::string& id, const Place& p, double radius) {
  json r = ReportJson(id, "2017-08-21", p.lat, p.lon);
  r["uncertainty_m"] = radius;
  return r;
}

// `truce deconflict` on the shipped scenario with `args` (files in `dir`): the alerts it
// prints, one per line. Fails the test unless it exits 0.
std::vector<json> TruceDeconflict(const fs::path& dir, const std::string& args) {
  const std::string cmd = TruceBinary() + " deconflict " + ShippedScenario() + " " + args + " >" +
                          (dir / "alerts.jsonl").string() + " 2>" + (dir / "stderr").string();
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd;
  std::ifstream in(dir / "alerts.jsonl");
  std::vector<json> printed;
  for (std::string line; std::getline(in, line);) printed.push_back(json::parse(line));
  return printed;
}

class DeconflictionServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TRUCE_REQUIRE_SHARED_DATA(kGeoNames);
    TRUCE_REQUIRE_SHARED_DATA(kOchaPoints);
    server_ = std::make_unique<ServerHarness>((dir_.path() / "truce.db").string());
    // The log's time never goes backwards: the story starts before the first notification.
    server_->SetNow("2017-05-01T00:00:00Z");
    server_->LoadShippedScenario();
    tokens_["admin"] = server_->Token(Role::kAdmin);
    tokens_["monitor"] = server_->Token(Role::kMonitor);
    tokens_["guarantor"] = server_->Token(Role::kGuarantor);
    tokens_["humanitarian"] = server_->Token(Role::kHumanitarian);
    tokens_["public"] = server_->Token(Role::kPublic);
    tokens_["gov"] = server_->Token(Role::kParty, "syrian-government");
    tokens_["opp"] = server_->Token(Role::kParty, "armed-opposition");
    tokens_["hts"] = server_->Token(Role::kParty, "hts");  // bound by no rule: told nothing
    idlib_ = GeoName("Idlib");
    rastan_ = GeoName("Ar Rastan");
    karamah_ = GeoName("Al Karāmah");  // Raqqa governorate, far from every zone
    douma_ = GeoName("Dūmā");
    for (const Place& p : OchaPoints({"Damascus"})) {
      if (p.name == "N0017") damascus_ = p;  // Abou Jarash
    }
  }

  // Notifies the three GeoNames sites as the cell, at the server's clock.
  void NotifySites() {
    const Reply r =
        server_->Post("/api/v1/sites",
                      Collection({PointSite("idlib-hospital", idlib_),
                                  PointSite("rastan-school", rastan_, "school"),
                                  PointSite("karamah-warehouse", karamah_, "warehouse")}),
                      tokens_["humanitarian"]);
    ASSERT_EQ(r.status, 201) << r.text;
  }

  std::set<std::string> Ids(const Reply& r, const char* key = nullptr) {
    std::set<std::string> out;
    for (const json& item : r.body["items"]) {
      out.insert(key ? item[key].get<std::string>() : item["properties"]["id"].get<std::string>());
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<ServerHarness> server_;
  std::map<std::string, std::string> tokens_;
  Place idlib_, rastan_, karamah_, douma_, damascus_;
};

TEST_F(DeconflictionServerTest, SitesAreNotifiedDistributedPerPartyAndRevised) {
  server_->SetNow("2017-07-01T08:00:00Z");
  const Reply posted =
      server_->Post("/api/v1/sites",
                    Collection({PointSite("idlib-hospital", idlib_),
                                PointSite("rastan-school", rastan_, "school"),
                                PointSite("karamah-warehouse", karamah_, "warehouse")}),
                    tokens_["humanitarian"]);
  ASSERT_EQ(posted.status, 201) << posted.text;
  EXPECT_EQ(posted.body["accepted"], 3);
  std::map<std::string, json> audience;
  for (const json& r : posted.body["results"]) {
    EXPECT_EQ(r["revision"], 1);
    EXPECT_EQ(r["status"], "created");
    audience[r["id"]] = r["audience"];
  }
  // Idlib and Ar Rastan lie in zones binding the government, the opposition and Russia (their
  // no_fly rules), Idlib also Turkey (its observation posts); HTS is bound by no rule; nobody
  // is told of a warehouse far from every zone.
  EXPECT_EQ(audience["idlib-hospital"],
            json({"syrian-government", "armed-opposition", "russia", "turkey"}));
  EXPECT_EQ(audience["rastan-school"], json({"syrian-government", "armed-opposition", "russia"}));
  EXPECT_EQ(audience["karamah-warehouse"], json::array());

  // Each party reads what it is told of; the cell, monitors and guarantors everything.
  EXPECT_EQ(Ids(server_->Get("/api/v1/sites", tokens_["gov"])),
            (std::set<std::string>{"idlib-hospital", "rastan-school"}));
  EXPECT_EQ(Ids(server_->Get("/api/v1/sites", tokens_["hts"])), std::set<std::string>{});
  for (const char* role : {"admin", "monitor", "guarantor", "humanitarian"}) {
    EXPECT_EQ(Ids(server_->Get("/api/v1/sites", tokens_[role])).size(), 3u) << role;
  }
  EXPECT_EQ(server_->Get("/api/v1/sites", tokens_["public"]).status, 403);
  EXPECT_EQ(server_->Get("/api/v1/sites").status, 401);

  // The coordinates come back as notified, notified_at is when the server received them.
  const Reply gov = server_->Get("/api/v1/sites?type=hospital", tokens_["gov"]);
  ASSERT_EQ(gov.body["items"].size(), 1u);
  const json& feature = gov.body["items"][0];
  EXPECT_DOUBLE_EQ(feature["geometry"]["coordinates"][0].get<double>(), idlib_.lon);
  EXPECT_DOUBLE_EQ(feature["geometry"]["coordinates"][1].get<double>(), idlib_.lat);
  EXPECT_EQ(feature["properties"]["notified_at"], "2017-07-01T08:00:00Z");
  EXPECT_EQ(feature["properties"]["revision"], 1);

  // The same content again changes nothing; a moved site is revision 2, notified anew.
  Reply again =
      server_->Post("/api/v1/sites", PointSite("idlib-hospital", idlib_), tokens_["humanitarian"]);
  EXPECT_EQ(again.status, 200) << again.text;
  EXPECT_EQ(again.body["results"][0]["status"], "unchanged");
  server_->SetNow("2017-07-02T08:00:00Z");
  const Place moved = Direct(idlib_, 90, 250, "moved");
  again = server_->Post("/api/v1/sites", PointSite("idlib-hospital", moved), tokens_["admin"]);
  ASSERT_EQ(again.status, 201) << again.text;
  EXPECT_EQ(again.body["results"][0]["revision"], 2);
  const Reply now = server_->Get("/api/v1/sites?type=hospital", tokens_["opp"]);
  EXPECT_EQ(now.body["items"][0]["properties"]["revision"], 2);
  EXPECT_EQ(now.body["items"][0]["properties"]["notified_at"], "2017-07-02T08:00:00Z");
  // As of the first day, the first revision.
  const Reply then =
      server_->Get("/api/v1/sites?type=hospital&as_of=2017-07-01T12:00:00Z", tokens_["opp"]);
  EXPECT_EQ(then.body["items"][0]["properties"]["revision"], 1);
  // In force at a time: valid from 1 June.
  EXPECT_EQ(
      server_->Get("/api/v1/sites?at=2017-05-31T23:59:59Z", tokens_["admin"]).body["items"].size(),
      0u);
}

TEST_F(DeconflictionServerTest, BadSitesAreRefusedNamingTheField) {
  json site = PointSite("x", idlib_);
  site["properties"]["valid_from"] = "1 June";
  Reply r = server_->Post("/api/v1/sites", site, tokens_["humanitarian"]);
  ASSERT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["code"], "invalid_input");
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/properties/valid_from") << r.text;

  json backdated = PointSite("y", idlib_);
  backdated["properties"]["notified_at"] = "2017-01-01";
  r = server_->Post("/api/v1/sites", Collection({PointSite("z", idlib_), backdated}),
                    tokens_["humanitarian"]);
  ASSERT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/features/1/properties/notified_at");

  json unknown_type = PointSite("w", idlib_, "barracks");
  r = server_->Post("/api/v1/sites", json::array({unknown_type}), tokens_["humanitarian"]);
  ASSERT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/0/properties/type");

  r = server_->Post("/api/v1/sites", Collection({PointSite("d", idlib_), PointSite("d", rastan_)}),
                    tokens_["humanitarian"]);
  ASSERT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/features/1/properties/id");

  json no_geometry = PointSite("g", idlib_);
  no_geometry.erase("geometry");
  r = server_->Post("/api/v1/sites", no_geometry, tokens_["humanitarian"]);
  ASSERT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"].get<std::string>().substr(0, 9), "/geometry");

  // Nothing of a refused batch is stored; only the cell and the admin notify.
  EXPECT_EQ(server_->Get("/api/v1/sites", tokens_["admin"]).body["items"].size(), 0u);
  for (const char* role : {"monitor", "guarantor", "gov", "public"}) {
    EXPECT_EQ(server_->Post("/api/v1/sites", PointSite("p", idlib_), tokens_[role]).status, 403)
        << role;
  }
  EXPECT_EQ(server_->Post("/api/v1/sites", PointSite("p", idlib_), "").status, 401);
}

TEST_F(DeconflictionServerTest, EveryReadOfASiteListIsALogEntryTheReaderCanProve) {
  server_->SetNow("2017-07-01T08:00:00Z");
  NotifySites();
  server_->SetNow("2017-07-03T10:15:00Z");
  const Reply read = server_->Get("/api/v1/sites?organisation=SAMS", tokens_["gov"]);
  ASSERT_EQ(read.status, 200) << read.text;
  const json& d = read.body["disclosure"];
  const std::string entry = d["entry"];
  // The leaf hash is the reader's own computation over the entry data it was given...
  EXPECT_EQ(d["leaf_hash"], HashToHex(LeafHash(entry)));
  const json data = json::parse(entry);
  EXPECT_EQ(data["kind"], "disclosure");
  EXPECT_EQ(data["party"], "syrian-government");
  EXPECT_EQ(data["role"], "party");
  EXPECT_EQ(data["received_at"], "2017-07-03T10:15:00.000Z");
  EXPECT_EQ(data["body"]["resource"], "sites");
  EXPECT_EQ(data["body"]["query"], json({{"organisation", "SAMS"}}));
  EXPECT_EQ(data["body"]["items"], json::parse(R"([{"id":"idlib-hospital","revision":1},
                                                   {"id":"rastan-school","revision":1}])"));
  // ...the digest is of exactly the items it was served...
  EXPECT_EQ(data["body"]["digest"], HashToHex(Sha256(read.body["items"].dump())));
  // ...and the entry is in the signed log: its inclusion proof verifies against the head.
  const Reply proof =
      server_->Get("/api/v1/log/inclusion?index=" + std::to_string(d["log_index"].get<uint64_t>()));
  ASSERT_EQ(proof.status, 200) << proof.text;
  EXPECT_EQ(proof.body["leaf_hash"], d["leaf_hash"]);
  // Staff reading the log see who read what and when; an empty read is logged too.
  const Reply hts = server_->Get("/api/v1/movements", tokens_["hts"]);
  ASSERT_EQ(hts.status, 200);
  const json hts_entry = json::parse(hts.body["disclosure"]["entry"].get<std::string>());
  EXPECT_EQ(hts_entry["body"]["resource"], "movements");
  EXPECT_EQ(hts_entry["body"]["items"], json::array());
  const Reply log = server_->Get("/api/v1/log/entries?from=0&limit=1000", tokens_["monitor"]);
  size_t disclosures = 0;
  for (const json& e : log.body["items"]) disclosures += e["kind"] == "disclosure";
  EXPECT_EQ(disclosures, 2u);
  // The log survives a restart with its new kinds, and verifies.
  server_->Restart();
  EXPECT_EQ(Ids(server_->Get("/api/v1/sites", tokens_["gov"])).size(), 2u);
  auto verified = app::VerifyStore(server_->store(), app::KeyFileFor(server_->db()));
  EXPECT_TRUE(verified.ok()) << verified.error().message;
}

TEST_F(DeconflictionServerTest, ThePublicNeverSeesASiteOrItsCoordinates) {
  server_->SetNow("2017-07-01T08:00:00Z");
  NotifySites();
  server_->SetNow("2017-08-19T00:00:00Z");
  ASSERT_EQ(server_
                ->Post("/api/v1/movements",
                       Convoy("convoy-1", damascus_, douma_, "2017-08-21T06:00:00Z",
                              "2017-08-21T18:00:00Z"),
                       tokens_["humanitarian"])
                .status,
            201);
  ASSERT_EQ(server_
                ->Post("/api/v1/reports", Strike("S-1", Direct(idlib_, 0, 300, ""), 10),
                       tokens_["monitor"])
                .status,
            201);
  ASSERT_EQ(
      server_->Post("/api/v1/incidents/publish", {{"incident", "S-1"}}, tokens_["monitor"]).status,
      201);
  // A layer of the OGC API only for those who may read it (the admin here); never the public's;
  // no public route carries an id or a coordinate.
  for (const std::string role : {"admin", "public", "anonymous"}) {
    const bool reads = role == "admin";
    const Reply c = server_->Get("/ogc/collections", tokens_[role]);
    std::set<std::string> ids;
    for (const json& coll : c.body["collections"]) ids.insert(coll["id"]);
    EXPECT_EQ(ids.contains("sites"), reads) << role;
    EXPECT_EQ(ids.contains("movements"), reads) << role;
    EXPECT_EQ(server_->Get("/ogc/collections/sites/items", tokens_[role]).status, reads ? 200 : 403)
        << role;
  }
  const std::vector<std::string> secrets = {"idlib-hospital",
                                            "rastan-school",
                                            "convoy-1",
                                            fmt::format("{}", idlib_.lat).substr(0, 7),
                                            fmt::format("{}", rastan_.lon).substr(0, 7),
                                            fmt::format("{}", damascus_.lat).substr(0, 7)};
  for (const char* path :
       {"/api/v1/access?from=2017-08-01&to=2017-09-01",
        "/api/v1/summary?from=2017-08-21&to=2017-08-22", "/api/v1/incidents",
        "/ogc/collections/incidents/items", "/ogc/collections/zones/items", "/api/v1/scenario",
        "/api/v1/sites", "/api/v1/movements", "/api/v1/acknowledgements",
        "/api/v1/deconfliction-alerts", "/ogc/collections"}) {
    for (const std::string& token : {tokens_["public"], std::string()}) {
      const Reply r = server_->Get(path, token);
      for (const std::string& secret : secrets) {
        EXPECT_EQ(r.text.find(secret), std::string::npos) << secret << " in " << path;
      }
    }
  }
  // The access verdict is public, as counts.
  const Reply access =
      server_->Get("/api/v1/access?zone=eastern-ghouta&from=2017-08-01&to=2017-09-01");
  ASSERT_EQ(access.status, 200) << access.text;
  ASSERT_EQ(access.body["items"].size(), 1u);
  EXPECT_EQ(access.body["items"][0]["notified"], 1);
  EXPECT_FALSE(access.body["items"][0].contains("movements"));
}

TEST_F(DeconflictionServerTest, MovementNoticeIsFlaggedAtItsEdges) {
  server_->SetNow("2017-08-01T06:00:00Z");
  const Reply r = server_->Post(
      "/api/v1/movements",
      Collection(
          {Convoy("exactly-48h", damascus_, douma_, "2017-08-03T06:00:00Z", "2017-08-03T18:00:00Z"),
           Convoy("one-second-short", damascus_, douma_, "2017-08-03T05:59:59Z",
                  "2017-08-03T18:00:00Z"),
           Convoy("evacuation-24h", damascus_, douma_, "2017-08-02T06:00:00Z",
                  "2017-08-02T10:00:00Z", true),
           Convoy("evacuation-late", damascus_, douma_, "2017-08-02T05:00:00Z",
                  "2017-08-02T10:00:00Z", true)}),
      tokens_["humanitarian"]);
  ASSERT_EQ(r.status, 201) << r.text;
  std::map<std::string, json> notice;
  for (const json& item : r.body["results"]) notice[item["id"]] = item["notice"];
  EXPECT_EQ(notice["exactly-48h"]["late"], false);
  EXPECT_EQ(notice["exactly-48h"]["given_h"], 48.0);
  EXPECT_EQ(notice["one-second-short"]["late"], true);  // flagged, and stored all the same
  EXPECT_EQ(notice["evacuation-24h"]["required_h"], 24);
  EXPECT_EQ(notice["evacuation-24h"]["late"], false);
  EXPECT_EQ(notice["evacuation-late"]["late"], true);
  const Reply listed = server_->Get("/api/v1/movements", tokens_["gov"]);
  ASSERT_EQ(listed.body["items"].size(), 4u) << listed.text;
  for (const json& m : listed.body["items"]) {
    EXPECT_EQ(m["properties"]["notice"], notice[m["properties"]["id"]]);
  }
  // In force at a time: the window [start, end).
  EXPECT_EQ(Ids(server_->Get("/api/v1/movements?at=2017-08-03T18:00:00Z", tokens_["admin"])),
            std::set<std::string>{});
  EXPECT_EQ(Ids(server_->Get("/api/v1/movements?at=2017-08-03T05:59:59Z", tokens_["admin"])),
            (std::set<std::string>{"one-second-short"}));
  // A destination that is no zone of the scenario, a window backwards.
  json bad = Convoy("nowhere", damascus_, douma_, "2017-08-05", "2017-08-06");
  bad["properties"]["destination_zone"] = "atlantis";
  Reply refused = server_->Post("/api/v1/movements", bad, tokens_["humanitarian"]);
  ASSERT_EQ(refused.status, 400) << refused.text;
  EXPECT_EQ(refused.body["error"]["problems"][0]["path"], "/properties/destination_zone");
  json one_point = Convoy("stuck", damascus_, damascus_, "2017-08-05", "2017-08-06");
  refused = server_->Post("/api/v1/movements", one_point, tokens_["humanitarian"]);
  ASSERT_EQ(refused.status, 400) << refused.text;
}

TEST_F(DeconflictionServerTest, AcknowledgementsPendingOverdueRejectedAcknowledged) {
  server_->SetNow("2017-07-01T08:00:00Z");  // due 24 h later (the scenario's default)
  NotifySites();
  auto state = [&](const std::string& who, const std::string& query = "") {
    const Reply r = server_->Get(
        "/api/v1/acknowledgements?kind=site&notification=idlib-hospital" + query, tokens_[who]);
    EXPECT_EQ(r.status, 200) << r.text;
    std::map<std::string, json> out;
    for (const json& item : r.body["items"]) out[item["party"]] = item;
    return out;
  };
  auto all = state("admin");
  ASSERT_EQ(all.size(), 4u);  // the government, the opposition, Russia, Turkey
  EXPECT_EQ(all["syrian-government"]["state"], "pending");
  EXPECT_EQ(all["syrian-government"]["due"], "2017-07-02T08:00:00Z");
  // A party sees its own line only.
  EXPECT_EQ(state("gov").size(), 1u);
  EXPECT_EQ(state("hts").size(), 0u);

  server_->SetNow("2017-07-01T09:00:00Z");
  Reply r = server_->Post(
      "/api/v1/acknowledgements",
      {{"kind", "site"}, {"notification", "idlib-hospital"}, {"response", "acknowledged"}},
      tokens_["opp"]);
  ASSERT_EQ(r.status, 201) << r.text;
  // The deadline passes on the server's clock: one second either side.
  server_->SetNow("2017-07-02T07:59:59Z");
  all = state("admin");
  EXPECT_EQ(all["armed-opposition"]["state"], "acknowledged");
  EXPECT_EQ(all["armed-opposition"]["answered_at"], "2017-07-01T09:00:00Z");
  EXPECT_EQ(all["syrian-government"]["state"], "pending");
  server_->SetNow("2017-07-02T08:00:00Z");
  all = state("admin");
  EXPECT_EQ(all["syrian-government"]["state"], "overdue");
  EXPECT_EQ(all["russia"]["state"], "overdue");
  EXPECT_EQ(
      server_->Get("/api/v1/acknowledgements?state=overdue", tokens_["admin"]).body["items"].size(),
      6u);  // Idlib: 3 (the opposition answered); Ar Rastan: 3; the far warehouse: none
  // A rejection needs its reason; late answers are marked late.
  server_->SetNow("2017-07-02T09:00:00Z");
  r = server_->Post(
      "/api/v1/acknowledgements",
      {{"kind", "site"}, {"notification", "idlib-hospital"}, {"response", "rejected"}},
      tokens_["gov"]);
  ASSERT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/reason");
  r = server_->Post("/api/v1/acknowledgements",
                    {{"kind", "site"},
                     {"notification", "idlib-hospital"},
                     {"response", "rejected"},
                     {"reason", "the coordinates fall on a military position"}},
                    tokens_["gov"]);
  ASSERT_EQ(r.status, 201) << r.text;
  auto gov = state("gov");
  EXPECT_EQ(gov["syrian-government"]["state"], "rejected");
  EXPECT_EQ(gov["syrian-government"]["reason"], "the coordinates fall on a military position");
  EXPECT_EQ(gov["syrian-government"]["late"], true);
  // As of before the answer: overdue then.
  gov = state("gov", "&as_of=2017-07-02T08:30:00Z");
  EXPECT_EQ(gov["syrian-government"]["state"], "overdue");
  // The cell records Russia's answer, received by telephone.
  r = server_->Post("/api/v1/acknowledgements",
                    {{"kind", "site"},
                     {"notification", "idlib-hospital"},
                     {"party", "russia"},
                     {"response", "acknowledged"}},
                    tokens_["humanitarian"]);
  ASSERT_EQ(r.status, 201) << r.text;
  EXPECT_EQ(state("admin")["russia"]["state"], "acknowledged");
}

TEST_F(DeconflictionServerTest, AcknowledgementErrorsNameTheField) {
  server_->SetNow("2017-07-01T08:00:00Z");
  NotifySites();
  auto post = [&](const json& body, const std::string& who) {
    return server_->Post("/api/v1/acknowledgements", body, tokens_[who]);
  };
  const json base = {
      {"kind", "site"}, {"notification", "idlib-hospital"}, {"response", "acknowledged"}};
  // A party answers only what it was told of: the far warehouse was distributed to nobody.
  json far = base;
  far["notification"] = "karamah-warehouse";
  Reply r = post(far, "gov");
  EXPECT_EQ(r.status, 403) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/notification");
  r = post(base, "hts");
  EXPECT_EQ(r.status, 403) << r.text;
  // Only as itself.
  json as_other = base;
  as_other["party"] = "armed-opposition";
  r = post(as_other, "gov");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/party");
  // Unknown notification: 404.
  json unknown = base;
  unknown["notification"] = "no-such-site";
  r = post(unknown, "gov");
  EXPECT_EQ(r.status, 404) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/notification");
  // The cell names a party, which must have been told.
  r = post(base, "humanitarian");
  EXPECT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/party");
  json hts = base;
  hts["party"] = "hts";
  r = post(hts, "humanitarian");
  EXPECT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/party");
  // The time is the server's; a bad response, a bad kind, in a batch.
  json timed = base;
  timed["at"] = "2017-06-01";
  r = post(json::array({base, timed}), "gov");
  EXPECT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/1/at");
  json maybe = base;
  maybe["response"] = "maybe";
  r = post(maybe, "gov");
  EXPECT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/response");
  json convoy = base;
  convoy["kind"] = "convoy";
  r = post(convoy, "gov");
  EXPECT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/kind");
  // Roles: monitors, guarantors and the public do not answer for parties.
  for (const char* role : {"monitor", "guarantor", "public"}) {
    EXPECT_EQ(post(base, role).status, 403) << role;
  }
  // Nothing was stored by any of these.
  EXPECT_EQ(server_->Get("/api/v1/acknowledgements?state=acknowledged", tokens_["admin"])
                .body["items"]
                .size(),
            0u);
}

TEST_F(DeconflictionServerTest, DeliveryOutcomesMakeTheAccessVerdict) {
  server_->SetNow("2017-08-01T00:00:00Z");
  ASSERT_EQ(
      server_
          ->Post(
              "/api/v1/movements",
              Collection(
                  {Convoy("c-1", damascus_, douma_, "2017-08-05T06:00:00Z", "2017-08-05T18:00:00Z"),
                   Convoy("c-2", damascus_, douma_, "2017-08-12T06:00:00Z", "2017-08-12T18:00:00Z"),
                   // Starts in September: another period.
                   Convoy("c-3", damascus_, douma_, "2017-09-01T00:00:00Z",
                          "2017-09-01T18:00:00Z")}),
              tokens_["humanitarian"])
          .status,
      201);
  const char* august = "/api/v1/access?zone=eastern-ghouta&from=2017-08-01&to=2017-09-01";
  Reply r = server_->Get(august, tokens_["monitor"]);
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["items"][0]["verdict"], "unreported");
  EXPECT_EQ(r.body["items"][0]["notified"], 2);

  server_->SetNow("2017-08-05T20:00:00Z");
  r = server_->Post("/api/v1/movements/c-1/outcomes",
                    {{"status", "delivered"}, {"reported_by", "SARC"}}, tokens_["humanitarian"]);
  ASSERT_EQ(r.status, 201) << r.text;
  server_->SetNow("2017-08-12T20:00:00Z");
  // Blocked needs a reason; the movement must exist; the time is the server's.
  r = server_->Post("/api/v1/movements/c-2/outcomes",
                    {{"status", "blocked"}, {"reported_by", "SARC"}}, tokens_["monitor"]);
  ASSERT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/reason");
  r = server_->Post("/api/v1/movements/c-9/outcomes",
                    {{"status", "blocked"}, {"reason", "x"}, {"reported_by", "SARC"}},
                    tokens_["monitor"]);
  EXPECT_EQ(r.status, 404) << r.text;
  r = server_->Post("/api/v1/movements/c-2/outcomes",
                    {{"status", "blocked"},
                     {"reason", "x"},
                     {"reported_by", "SARC"},
                     {"reported_at", "2017-08-12"}},
                    tokens_["monitor"]);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/reported_at");
  for (const char* role : {"gov", "guarantor", "public"}) {
    EXPECT_EQ(server_
                  ->Post("/api/v1/movements/c-2/outcomes",
                         {{"status", "delivered"}, {"reported_by", "SARC"}}, tokens_[role])
                  .status,
              403)
        << role;
  }
  r = server_->Post("/api/v1/movements/c-2/outcomes",
                    {{"status", "blocked"},
                     {"reason", "turned back at the Wafideen checkpoint"},
                     {"reported_by", "UN OCHA"}},
                    tokens_["monitor"]);
  ASSERT_EQ(r.status, 201) << r.text;

  r = server_->Get(august, tokens_["humanitarian"]);
  ASSERT_EQ(r.body["items"].size(), 1u);
  const json& v = r.body["items"][0];
  EXPECT_EQ(v["verdict"], "impeded");
  EXPECT_EQ(v["notified"], 2);
  EXPECT_EQ(v["got_through"], 1);
  EXPECT_EQ(v["delivered"], 1);
  EXPECT_EQ(v["blocked"], 1);
  EXPECT_EQ(v["rule_in_force"], true);
  ASSERT_EQ(v["movements"].size(), 2u);
  EXPECT_EQ(v["movements"][1]["reason"], "turned back at the Wafideen checkpoint");
  // As of before the blocking was reported, and in the next period.
  r = server_->Get(std::string(august) + "&as_of=2017-08-10", tokens_["humanitarian"]);
  EXPECT_EQ(r.body["items"][0]["verdict"], "respected");
  r = server_->Get("/api/v1/access?zone=eastern-ghouta&from=2017-09-01&to=2017-10-01",
                   tokens_["humanitarian"]);
  EXPECT_EQ(r.body["items"][0]["notified"], 1);
  // Every zone with the rule in force gets a verdict; an unknown zone is 404.
  r = server_->Get("/api/v1/access?from=2017-08-01&to=2017-09-01", tokens_["public"]);
  EXPECT_GE(r.body["items"].size(), 4u);
  EXPECT_EQ(server_->Get("/api/v1/access?zone=atlantis").status, 404);
  EXPECT_EQ(server_->Get("/api/v1/access?from=2017-09-01&to=2017-08-01").status, 400);
}

// The alerts the server lists are the records `truce deconflict` prints for the same sites,
// movements and reports: 41 OCHA neighbourhood points of Homs and Idleb as hospitals, three
// strikes per site at GeographicLib Direct distances on either side of the 1,000 m alert
// distance, and a convoy from Damascus to Douma; every pair checked against Inverse.
TEST_F(DeconflictionServerTest, AlertsAreTheRecordsTruceDeconflictPrints) {
  const std::vector<Place> places = OchaPoints({"Homs", "Idleb"});
  ASSERT_EQ(places.size(), 41u);
  server_->SetNow("2017-06-01T00:00:00Z");
  std::vector<json> sites;
  for (const Place& p : places) sites.push_back(PointSite("hosp-" + p.name, p));
  ASSERT_EQ(server_->Post("/api/v1/sites", Collection(sites), tokens_["humanitarian"]).status, 201);
  server_->SetNow("2017-08-19T00:00:00Z");
  const json convoy =
      Convoy("convoy-17", damascus_, douma_, "2017-08-21T06:00:00Z", "2017-08-21T18:00:00Z");
  ASSERT_EQ(server_->Post("/api/v1/movements", convoy, tokens_["humanitarian"]).status, 201);

  // Strikes: d + r = 995 (inside), d - r = 999.9 (possible), d - r = 1000.1 (none), r = 10 m.
  std::vector<std::pair<json, Place>> strikes;
  for (size_t i = 0; i < places.size(); ++i) {
    const double azimuth = static_cast<double>(i * 37 % 360);
    const std::string id = "SYR-" + places[i].name;
    strikes.push_back({Strike(id + "-in", Direct(places[i], azimuth, 985, ""), 10), {}});
    strikes.push_back({Strike(id + "-edge", Direct(places[i], azimuth + 120, 1009.9, ""), 10), {}});
    strikes.push_back({Strike(id + "-out", Direct(places[i], azimuth + 240, 1010.1, ""), 10), {}});
  }
  const Place on_route{"on-route", (damascus_.lat + douma_.lat) / 2,
                       (damascus_.lon + douma_.lon) / 2};
  strikes.push_back({Strike("SYR-ROUTE", on_route, 10), {}});
  server_->SetNow("2017-08-22T00:00:00Z");
  std::vector<json> reports;
  for (auto& [r, p] : strikes) {
    p = {r["event_id_cnty"], r["latitude"], r["longitude"]};
    reports.push_back(r);
  }
  Reply posted = server_->Post("/api/v1/reports", reports, tokens_["monitor"]);
  ASSERT_EQ(posted.status, 201) << posted.text.substr(0, 500);

  // The oracle: Inverse from each strike to each site.
  std::map<std::string, std::string> expected;  // "site/report" -> verdict
  for (const Place& site : places) {
    for (const auto& [r, p] : strikes) {
      const double d = Inverse(site, p);
      if (d - 10 <= 1000) {
        expected["hosp-" + site.name + "/" + p.name] = d + 10 <= 1000 ? "inside" : "possible";
      }
    }
  }
  ASSERT_GE(expected.size(), 82u);

  std::vector<json> listed;
  std::string cursor;
  do {
    const Reply page = server_->Get(
        "/api/v1/deconfliction-alerts?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor),
        tokens_["humanitarian"]);
    ASSERT_EQ(page.status, 200) << page.text;
    for (const json& a : page.body["items"]) listed.push_back(a);
    cursor = page.body["next"].is_string() ? page.body["next"].get<std::string>() : "";
  } while (!cursor.empty());
  std::map<std::string, std::string> got;
  size_t route_alerts = 0;
  for (const json& a : listed) {
    if (a["kind"] == "movement") {
      ++route_alerts;
      EXPECT_EQ(a["report"], "SYR-ROUTE");
      EXPECT_EQ(a["verdict"], "possible");  // a day's report against a 12-hour window
      continue;
    }
    got[a["target"].get<std::string>() + "/" + a["report"].get<std::string>()] = a["verdict"];
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(route_alerts, 1u);

  // `truce deconflict` on the same inputs, the notification times being the server's.
  std::vector<json> cli_sites;
  for (json s : sites) {
    s["properties"]["notified_at"] = "2017-06-01T00:00:00Z";
    cli_sites.push_back(s);
  }
  json cli_convoy = convoy;
  cli_convoy["properties"]["notified_at"] = "2017-08-19T00:00:00Z";
  const fs::path dir = dir_.path();
  std::ofstream(dir / "sites.geojson") << Collection(cli_sites).dump();
  std::ofstream(dir / "movements.geojson") << Collection({cli_convoy}).dump();
  {
    std::ofstream csv(dir / "reports.csv");
    csv << "event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,latitude,"
           "longitude,geo_precision,source,fatalities,uncertainty_m\n";
    for (const json& r : reports) {
      csv << fmt::format("{},{},{},{},{},{},{:.17g},{:.17g},{},{},{},{}\n",
                         r["event_id_cnty"].get<std::string>(), r["event_date"].get<std::string>(),
                         r["time_precision"].get<int>(), r["event_type"].get<std::string>(),
                         r["sub_event_type"].get<std::string>(), r["actor1"].get<std::string>(),
                         r["latitude"].get<double>(), r["longitude"].get<double>(),
                         r["geo_precision"].get<int>(), r["source"].get<std::string>(),
                         r["fatalities"].get<int>(), r["uncertainty_m"].get<double>());
    }
  }
  const std::vector<json> printed =
      TruceDeconflict(dir, "--sites " + (dir / "sites.geojson").string() + " --movements " +
                               (dir / "movements.geojson").string() + " --reports " +
                               (dir / "reports.csv").string());
  ASSERT_EQ(printed.size(), listed.size());
  for (size_t i = 0; i < printed.size(); ++i) {
    EXPECT_EQ(listed[i], printed[i]) << "alert " << i;
  }

  // Filters, and a party sees the alerts about what it is told of; HTS, told nothing, none.
  const Reply inside = server_->Get(
      "/api/v1/deconfliction-alerts?verdict=inside&kind=site&limit=1000", tokens_["admin"]);
  size_t want_inside = 0;
  for (const auto& [key, verdict] : expected) want_inside += verdict == "inside";
  EXPECT_EQ(inside.body["items"].size(), want_inside);
  const Reply gov = server_->Get("/api/v1/deconfliction-alerts?limit=1000", tokens_["gov"]);
  ASSERT_EQ(gov.status, 200);
  std::set<std::string> told;
  const Reply gov_sites = server_->Get("/api/v1/sites?limit=1000", tokens_["gov"]);
  ASSERT_EQ(gov_sites.status, 200) << gov_sites.text.substr(0, 300);
  for (const json& s : gov_sites.body["items"]) {
    told.insert(s["properties"]["id"]);
  }
  const Reply gov_movements = server_->Get("/api/v1/movements", tokens_["gov"]);
  EXPECT_EQ(gov_movements.body["items"].size(), 1u) << gov_movements.text.substr(0, 400);
  for (const json& s : gov_movements.body["items"]) {
    told.insert(s["properties"]["id"]);
  }
  size_t want_gov = 0;
  for (const json& a : listed) want_gov += told.contains(a["target"]);
  EXPECT_EQ(gov.body["items"].size(), want_gov);
  EXPECT_GT(want_gov, 0u);
  EXPECT_EQ(server_->Get("/api/v1/deconfliction-alerts", tokens_["hts"]).body["items"].size(), 0u);
  for (const json& a : gov.body["items"]) EXPECT_TRUE(told.contains(a["target"])) << a.dump();
  // As of before the reports: none.
  EXPECT_EQ(server_->Get("/api/v1/deconfliction-alerts?as_of=2017-08-01", tokens_["admin"])
                .body["items"]
                .size(),
            0u);
}

// --- Deconfliction alerts in the alert stream ----------------------------------------------------

bool IsDeconflictionKind(const json& alert) {
  const std::string kind = alert.value("kind", "");
  return kind == "site_report" || kind == "movement_report" || kind == "site_overflight" ||
         kind == "movement_overflight";
}

// The deconfliction events of a stream, until `count` of them or a second of silence.
std::vector<json> DeconflictionEvents(SseClient& stream, size_t count) {
  std::vector<json> out;
  while (out.size() < count) {
    const json a = stream.Next(std::chrono::milliseconds(1000));
    if (a.is_null()) break;
    if (IsDeconflictionKind(a)) out.push_back(a);
  }
  return out;
}

std::vector<json> AllPages(ServerHarness& server, const std::string& path,
                           const std::string& token) {
  std::vector<json> out;
  std::string cursor;
  do {
    const Reply page = server.Get(path + (path.find('?') == std::string::npos ? "?" : "&") +
                                      "limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor),
                                  token);
    EXPECT_EQ(page.status, 200) << page.text.substr(0, 300);
    if (page.status != 200) break;
    for (const json& a : page.body["items"]) out.push_back(a);
    cursor = page.body["next"].is_string() ? page.body["next"].get<std::string>() : "";
  } while (!cursor.empty());
  return out;
}

// "TARGET/REPORT-OR-ICAO24" of a deconfliction record.
std::string PairOf(const json& record) {
  return record["target"].get<std::string>() + "/" +
         (record.contains("report") ? record["report"] : record["icao24"]).get<std::string>();
}

// Strikes near notified places reach the stream within a second of their POST, each reader
// getting what the policy gives it (the cell everything, a party what it is told of, the
// public nothing); a site notified after a strike near it alerts when it is notified; a
// revision alerts again only when it raises `possible` to `inside`; the stream's records are
// those /api/v1/deconfliction-alerts lists; a restart gives the same alerts.
TEST_F(DeconflictionServerTest, StrikesNearNotifiedPlacesReachTheStreamAsTheyHappen) {
  server_->SetNow("2017-06-01T00:00:00Z");
  ASSERT_EQ(server_
                ->Post("/api/v1/sites",
                       Collection({PointSite("idlib-hospital", idlib_),
                                   PointSite("karamah-warehouse", karamah_, "warehouse")}),
                       tokens_["humanitarian"])
                .status,
            201);
  server_->SetNow("2017-08-19T00:00:00Z");
  ASSERT_EQ(server_
                ->Post("/api/v1/movements",
                       Convoy("convoy-17", damascus_, douma_, "2017-08-21T06:00:00Z",
                              "2017-08-21T18:00:00Z"),
                       tokens_["humanitarian"])
                .status,
            201);
  SseClient cell(server_->port(), tokens_["humanitarian"]);
  SseClient gov(server_->port(), tokens_["gov"]);
  SseClient hts(server_->port(), tokens_["hts"]);
  SseClient pub(server_->port(), "");
  ASSERT_NE(cell.head().find("200 OK"), std::string::npos) << cell.head();

  // GeographicLib Direct: 300 m north of the hospital (inside), 985 m from the warehouse
  // (inside), on the convoy's route (possible: a day's report against a 12-hour window), and
  // 1,005 m from Ar Rastan, not yet notified.
  server_->SetNow("2017-08-22T00:00:00Z");
  const Place on_route{"on-route", (damascus_.lat + douma_.lat) / 2,
                       (damascus_.lon + douma_.lon) / 2};
  const json strikes = {Strike("S-IDLIB", Direct(idlib_, 0, 300, ""), 10),
                        Strike("S-KARAMAH", Direct(karamah_, 200, 985, ""), 10),
                        Strike("S-ROUTE", on_route, 10),
                        Strike("S-RASTAN", Direct(rastan_, 90, 1005, ""), 10)};
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(server_->Post("/api/v1/reports", strikes, tokens_["monitor"]).status, 201);
  std::vector<json> got = DeconflictionEvents(cell, 1);
  const double first_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_LT(first_ms, 1000);
  std::cerr << "first deconfliction alert " << first_ms << " ms after its POST was sent\n";
  for (json& a : DeconflictionEvents(cell, 2)) got.push_back(std::move(a));
  std::map<std::string, json> by_pair;
  for (const json& a : got) by_pair[PairOf(a["record"])] = a;
  ASSERT_EQ(by_pair.size(), 3u);
  EXPECT_EQ(by_pair["idlib-hospital/S-IDLIB"]["kind"], "site_report");
  EXPECT_EQ(by_pair["idlib-hospital/S-IDLIB"]["record"]["verdict"], "inside");
  EXPECT_NEAR(by_pair["idlib-hospital/S-IDLIB"]["record"]["distance_m"].get<double>(), 300, 0.5);
  EXPECT_EQ(by_pair["karamah-warehouse/S-KARAMAH"]["record"]["verdict"], "inside");
  EXPECT_EQ(by_pair["convoy-17/S-ROUTE"]["kind"], "movement_report");
  EXPECT_EQ(by_pair["convoy-17/S-ROUTE"]["record"]["verdict"], "possible");
  // The government is told of the Idlib hospital and the convoy, not of the Raqqa warehouse;
  // HTS and the public are told nothing.
  std::set<std::string> gov_pairs;
  for (const json& a : DeconflictionEvents(gov, 2)) gov_pairs.insert(PairOf(a["record"]));
  EXPECT_EQ(gov_pairs, (std::set<std::string>{"idlib-hospital/S-IDLIB", "convoy-17/S-ROUTE"}));
  EXPECT_TRUE(DeconflictionEvents(hts, 1).empty());
  EXPECT_TRUE(pub.Next(std::chrono::milliseconds(300)).is_null());

  // Ar Rastan's school notified after the strike: the strike alerts as the site is notified
  // (possible: 1,005 m with 10 m of uncertainty against 1,000 m).
  server_->SetNow("2017-08-23T00:00:00Z");
  const Reply school = server_->Post("/api/v1/sites", PointSite("rastan-school", rastan_, "school"),
                                     tokens_["humanitarian"]);
  ASSERT_EQ(school.status, 201) << school.text;
  std::vector<json> late = DeconflictionEvents(cell, 1);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0]["kind"], "site_report");
  EXPECT_EQ(PairOf(late[0]["record"]), "rastan-school/S-RASTAN");
  EXPECT_EQ(late[0]["record"]["verdict"], "possible");
  EXPECT_EQ(late[0]["log_index"], school.body["results"][0]["log_index"]);
  EXPECT_EQ(late[0]["record"]["after_notice"], false);  // notified after the strike

  // A revision that changes nothing of the pair alerts nothing; one that brings the strike
  // within 500 m raises possible to inside and alerts again.
  server_->SetNow("2017-08-24T00:00:00Z");
  json same = strikes[3];
  same["notes"] = "corrected casualty count";
  same["fatalities"] = 2;
  ASSERT_EQ(server_->Post("/api/v1/reports", same, tokens_["monitor"]).status, 201);
  EXPECT_TRUE(DeconflictionEvents(cell, 1).empty());
  json closer = Strike("S-RASTAN", Direct(rastan_, 90, 500, ""), 10);
  ASSERT_EQ(server_->Post("/api/v1/reports", closer, tokens_["monitor"]).status, 201);
  std::vector<json> raised = DeconflictionEvents(cell, 1);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(PairOf(raised[0]["record"]), "rastan-school/S-RASTAN");
  EXPECT_EQ(raised[0]["record"]["verdict"], "inside");

  // The list carries what the stream carried, and the latest alert of each pair is the
  // record /api/v1/deconfliction-alerts lists for it.
  const std::vector<json> listed = AllPages(*server_, "/api/v1/alerts", tokens_["humanitarian"]);
  std::map<std::string, json> latest;
  size_t deconfliction = 0;
  for (const json& a : listed) {
    if (!IsDeconflictionKind(a)) continue;
    ++deconfliction;
    latest[PairOf(a["record"])] = a["record"];
  }
  EXPECT_EQ(deconfliction, 5u);
  const std::vector<json> computed =
      AllPages(*server_, "/api/v1/deconfliction-alerts", tokens_["humanitarian"]);
  ASSERT_EQ(computed.size(), latest.size());
  for (const json& c : computed) EXPECT_EQ(latest[PairOf(c)], c) << PairOf(c);
  // Kind filters, for the stream and the list alike.
  for (const json& a : AllPages(*server_, "/api/v1/alerts?kind=movement_report", tokens_["admin"]))
    EXPECT_EQ(a["kind"], "movement_report");
  // No public reader gets one, in the list either.
  for (const char* role : {"public", "hts"}) {
    for (const json& a : AllPages(*server_, "/api/v1/alerts", tokens_[role])) {
      EXPECT_FALSE(IsDeconflictionKind(a)) << role << " " << a.dump();
    }
  }
  EXPECT_EQ(server_->Get("/api/v1/alerts?kind=site_rain").status, 400);
  // Derived from the log: a restart gives the same alerts with the same ids.
  server_->Restart();
  EXPECT_EQ(AllPages(*server_, "/api/v1/alerts", tokens_["humanitarian"]), listed);
}

// The positions of a real aircraft (SAVAN17's departures and arrivals below 4,500 m over
// France, 2022) moved onto 41 OCHA neighbourhood points of Homs and Idleb notified as
// hospitals, and onto a convoy's route in its window: the overflight alerts the server lists
// are, record for record, what `truce deconflict --positions` prints for the same positions,
// and the stream carried an alert for every pass, also for a site notified after the
// aircraft flew over it.
TEST_F(DeconflictionServerTest, OverflightAlertsAreTheRecordsTruceDeconflictPrints) {
  constexpr const char* kSavan = "flights/traffic_collections_savan.json.gz";
  TRUCE_REQUIRE_SHARED_DATA(kSavan);
  auto text = formats::ReadTextFile(SharedDataPath(kSavan));
  ASSERT_TRUE(text.ok());
  const json savan = json::parse(*text);
  // Runs of consecutive airborne fixes below 14,000 ft (4,267 m), longer than 200 fixes.
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t i = 0; i < savan.size(); ++i) {
    const json& r = savan[i];
    const bool low = r["altitude"].is_number() && r["altitude"].get<double>() < 14000 &&
                     !r.value("onground", false);
    if (!low) continue;
    if (runs.empty() || runs.back().second + 1 != i) runs.push_back({i, i});
    runs.back().second = i;
  }
  std::erase_if(runs, [](const auto& r) { return r.second - r.first < 200; });
  ASSERT_GE(runs.size(), 6u);
  runs.resize(6);
  const std::vector<Place> places = OchaPoints({"Homs", "Idleb"});
  ASSERT_EQ(places.size(), 41u);

  // Run k (as aircraft 39b40k), 100 fixes either side, moved so that its middle fix lies on
  // place 7k; run 1 flies over the convoy's route instead, in its window.
  std::vector<json> fixes;
  std::vector<Place> targets;
  for (size_t k = 0; k < runs.size(); ++k) {
    const auto [first, last] = runs[k];
    const json& mid = savan[(first + last) / 2];
    const Place& to = places[7 * k % places.size()];
    targets.push_back(to);
    const double dlat = to.lat - mid["latitude"].get<double>();
    const double dlon = to.lon - mid["longitude"].get<double>();
    for (size_t i = first - std::min<size_t>(first, 100); i <= last + 100 && i < savan.size();
         ++i) {
      json r = savan[i];
      if (!r["latitude"].is_number() || !r["longitude"].is_number()) continue;
      r["latitude"] = r["latitude"].get<double>() + dlat;
      r["longitude"] = r["longitude"].get<double>() + dlon;
      r["icao24"] = fmt::format("39b40{}", k);
      std::vector<std::string> reasons;
      if (!formats::PositionFromJson(r, "test", reasons)) continue;  // no valid fix
      fixes.push_back(std::move(r));
    }
  }
  // Run k's time span, widened by `pad_s` and rounded to whole seconds (as a window is written).
  const auto window = [&](size_t k, int64_t pad_s) {
    const int64_t first = savan[runs[k].first]["timestamp"].get<int64_t>() / 1000;
    const int64_t last = savan[runs[k].second]["timestamp"].get<int64_t>() / 1000 + 1;
    auto text = [](int64_t s) {
      std::string t = FormatTimestamp(UtcTime(std::chrono::seconds(s)));
      return t.replace(t.find(".000Z"), 5, "Z");
    };
    return std::pair{text(first - pad_s), text(last + pad_s)};
  };
  const auto [start, end] = window(1, 3600);
  const Place west = Direct(targets[1], 270, 3000, ""), east = Direct(targets[1], 90, 3000, "");

  // Every place but the last run's target notified in 2017; the convoy before the flights;
  // the last target after them.
  server_->SetNow("2017-06-01T00:00:00Z");
  std::vector<json> sites;
  for (size_t i = 0; i < places.size(); ++i) {
    if (places[i].name == targets.back().name) continue;
    sites.push_back(PointSite("hosp-" + places[i].name, places[i]));
  }
  ASSERT_EQ(server_->Post("/api/v1/sites", Collection(sites), tokens_["humanitarian"]).status, 201);
  server_->SetNow("2022-03-01T00:00:00Z");
  json convoy = Convoy("convoy-22", west, east, start, end);
  const Reply notified = server_->Post("/api/v1/movements", convoy, tokens_["humanitarian"]);
  ASSERT_EQ(notified.status, 201) << notified.text.substr(0, 500);
  SseClient cell(server_->port(), tokens_["humanitarian"]);

  // The fixes in shuffled batches of 500, as a feed delivers them.
  server_->SetNow("2022-05-01T00:00:00Z");
  std::vector<json> shuffled = fixes;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(17));
  for (size_t i = 0; i < shuffled.size(); i += 500) {
    const json batch(std::vector<json>(shuffled.begin() + i,
                                       shuffled.begin() + std::min(i + 500, shuffled.size())));
    ASSERT_EQ(server_->Post("/api/v1/positions", batch, tokens_["monitor"]).status, 201);
  }
  server_->SetNow("2022-05-02T00:00:00Z");
  const json late = PointSite("hosp-" + targets.back().name, targets.back());
  const Reply late_reply = server_->Post("/api/v1/sites", late, tokens_["humanitarian"]);
  ASSERT_EQ(late_reply.status, 201);
  sites.push_back(late);

  const std::vector<json> listed =
      AllPages(*server_, "/api/v1/deconfliction-alerts", tokens_["humanitarian"]);
  std::set<std::string> listed_pairs, listed_targets;
  for (const json& a : listed) {
    EXPECT_EQ(a["cause"], "flight");
    listed_pairs.insert(PairOf(a));
    listed_targets.insert(a["target"].get<std::string>());
  }
  // Each run passes over its target (and perhaps a neighbour); run 1 over the convoy's route.
  for (size_t k = 0; k < runs.size(); ++k) {
    EXPECT_TRUE(listed_pairs.contains(fmt::format("{}{}/39b40{}", k == 1 ? "" : "hosp-",
                                                  k == 1 ? "convoy-22" : targets[k].name, k)))
        << k;
  }
  EXPECT_TRUE(listed_targets.contains("hosp-" + targets.back().name));

  // `truce deconflict --positions` on the same inputs, with the server's notification times.
  for (json& s : sites) {
    const bool after_flights = s == late;
    s["properties"]["notified_at"] =
        after_flights ? "2022-05-02T00:00:00Z" : "2017-06-01T00:00:00Z";
  }
  convoy["properties"]["notified_at"] = "2022-03-01T00:00:00Z";
  const fs::path dir = dir_.path();
  std::ofstream(dir / "sites.geojson") << Collection(sites).dump();
  std::ofstream(dir / "movements.geojson") << Collection({convoy}).dump();
  // In the order posted: of two fixes of an aircraft at one instant the first counts, in log
  // order as in a file (docs/server.md "Flight violations").
  std::ofstream(dir / "positions.json") << json(shuffled).dump();
  const std::vector<json> printed =
      TruceDeconflict(dir, "--sites " + (dir / "sites.geojson").string() + " --movements " +
                               (dir / "movements.geojson").string() + " --positions " +
                               (dir / "positions.json").string());
  ASSERT_EQ(printed.size(), listed.size());
  for (size_t i = 0; i < printed.size(); ++i) EXPECT_EQ(listed[i], printed[i]) << "alert " << i;

  // The stream: an alert for every pass listed (a pass may alert once more when its fixes,
  // arriving shuffled, first showed it as two), the late site's at its notification.
  std::set<std::string> streamed;
  for (const json& a : DeconflictionEvents(cell, 10'000)) {
    EXPECT_TRUE(a["kind"] == "site_overflight" || a["kind"] == "movement_overflight") << a;
    streamed.insert(PairOf(a["record"]));
    if (a["record"]["target"] == "hosp-" + targets.back().name) {
      EXPECT_EQ(a["log_index"], late_reply.body["results"][0]["log_index"]);
    }
  }
  // Every pair listed was streamed. (A pair seen on the sparse track of the first batches that
  // the later fixes show out of reach stays alerted: alerts are not retracted.)
  for (const std::string& pair : listed_pairs) EXPECT_TRUE(streamed.contains(pair)) << pair;
  std::cerr << listed.size() << " overflight alerts listed, " << listed_pairs.size()
            << " (target, aircraft) pairs, " << streamed.size() << " streamed\n";
}

}  // namespace
}  // namespace truce::testing
