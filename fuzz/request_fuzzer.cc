// What the server parses of a request before any operation runs, without a store: the request
// target (detail::ParseTarget), every query parameter reader (QueryReader: times, bbox in both
// axis orders, counts, pages, the OGC limit, event filters, enumerations), the body readers
// (JsonBody with its Content-Type check, ItemsBody) and every pure body parser a route hands a
// body to (reports, positions, claims, decisions, exemptions, sites, movements,
// acknowledgements, delivery outcomes, tree heads). The `api` target drives the same through
// whole requests and the application; this one is the cheap, fast half, so that the parsers of
// untrusted HTTP input get their millions of executions.
//
// Input: a selector byte (which body parser), the request target up to the first newline, an
// optional "Content-Type: ..." line, then the body:
//   \x00/api/v1/reports?as_of=2017-05-06&bbox=36,33,37,34&limit=5
//   Content-Type: application/json
//   [{"event_id_cnty": "SYR1", ...}]
// Invariants: an error names a problem and quotes at most a bounded part of the input; a value read
// is within its documented range; every accepted body parses back from its own JSON form.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/app.h"
#include "app/intake.h"
#include "app/ledger.h"
#include "formats/claims.h"
#include "formats/decisions.h"
#include "formats/flight_json.h"
#include "formats/notifications.h"
#include "fuzz_support.h"
#include "server/api.h"
#include "server/http_target.h"
#include "server/routing.h"
#include "store/mem_store.h"

namespace {

using namespace truce;
using nlohmann::json;

// An application over an empty in-memory store: QueryReader reads the page limits from it.
struct Fixture {
  store::MemStore store;
  std::unique_ptr<app::Ledger> ledger;
  app::Metrics metrics;
  std::unique_ptr<app::App> application;

  Fixture() {
    auto l = app::Ledger::Open(store, app::SigningKey::Generate());
    FUZZ_CHECK(l.ok());
    ledger = std::move(l).value();
    auto a = app::App::Open(store, *ledger, metrics);
    FUZZ_CHECK(a.ok());
    application = std::move(a).value();
  }
};

Fixture& TheFixture() {
  static Fixture* fixture = new Fixture();  // never destroyed: libFuzzer exits at any point
  return *fixture;
}

void CheckError(const Error& e) {
  FUZZ_CHECK(!e.message.empty());
  FUZZ_CHECK(e.message.size() < 100000);  // quotes of the input are cut short
}

void CheckProblems(const std::vector<Problem>& problems) {
  FUZZ_CHECK(!problems.empty());
  for (const Problem& p : problems) FUZZ_CHECK(!p.message.empty());
}

// Every query reader over the request's parameters, each from a fresh reader so that an
// early error does not hide the later readers.
void ReadQuery(const server::Call& call) {
  {
    server::QueryReader q(call);
    (void)q.Time("as_of");
    (void)q.Time("from");
    if (!q.ok()) CheckError(q.error());
  }
  for (bool lat_first : {false, true}) {
    server::QueryReader q(call);
    const auto box = q.Bbox(lat_first);
    if (q.ok() && box) {
      FUZZ_CHECK(!box->empty() && box->lng_lo <= box->lng_hi);
      FUZZ_CHECK(box->lat_lo >= -90 && box->lat_hi <= 90);
    }
    if (!q.ok()) CheckError(q.error());
  }
  {
    server::QueryReader q(call);
    (void)q.Count("offset");
    (void)q.Count("after", true);
    (void)q.OneOf("f", {"json", "geojson", "csv"});
    if (!q.ok()) CheckError(q.error());
  }
  {
    server::QueryReader q(call);
    const app::PageRequest page = q.Page();
    if (q.ok()) FUZZ_CHECK(page.limit >= 1);
    if (!q.ok()) CheckError(q.error());
  }
  {
    server::QueryReader q(call);
    const size_t limit = q.CappedLimit();
    if (q.ok()) FUZZ_CHECK(limit >= 1);
    if (!q.ok()) CheckError(q.error());
  }
  {
    server::QueryReader q(call);
    (void)q.Events();
    if (!q.ok()) CheckError(q.error());
  }
}

// The body parser `selector` names, on each item of the body.
void ParseBody(uint8_t selector, const json& item) {
  std::vector<Problem> problems;
  switch (selector % 11) {
    case 0: {
      auto report = app::ReportFromBody(item, "/0", problems);
      if (!report) CheckProblems(problems);
      break;
    }
    case 1: {
      auto fix = app::NormalizePosition(item, "/0", problems);
      if (fix) {
        FUZZ_CHECK(fix->is_object() && fix->contains("icao24") && fix->contains("time"));
        (void)fix->dump();  // throws on invalid UTF-8: what is stored must be clean
      } else {
        CheckProblems(problems);
      }
      break;
    }
    case 2: {
      auto claim = app::NormalizeClaim(item, "/0", problems);
      if (claim) {
        auto again = formats::ClaimFromJson(*claim, "again", "c1");
        if (!again.ok()) CheckError(again.error());
      } else {
        CheckProblems(problems);
      }
      break;
    }
    case 3: {
      auto claim = formats::ClaimFromJson(item, "body", "c1");
      if (!claim.ok()) CheckError(claim.error());
      break;
    }
    case 4: {
      auto decision = formats::DecisionFromJson(item, "body", "d1");
      if (!decision.ok()) CheckError(decision.error());
      break;
    }
    case 5: {
      auto exemption = formats::ExemptionFromJson(item, "/0", problems);
      if (exemption) {
        const json back = formats::ExemptionToJson(*exemption);
        std::vector<Problem> again;
        FUZZ_CHECK(formats::ExemptionFromJson(back, "/0", again).has_value());
      } else {
        CheckProblems(problems);
      }
      break;
    }
    case 6: {
      auto site = formats::SiteFromFeature(item, "body");
      if (site.ok()) {
        auto back = formats::SiteFromFeature(formats::SiteToFeature(*site), "again");
        FUZZ_CHECK(back.ok());
      } else {
        CheckError(site.error());
      }
      auto sites = formats::ReadSites(item, "body");
      if (!sites.ok()) CheckError(sites.error());
      break;
    }
    case 7: {
      auto movement = formats::MovementFromFeature(item, "body");
      if (movement.ok()) {
        auto back = formats::MovementFromFeature(formats::MovementToFeature(*movement), "again");
        FUZZ_CHECK(back.ok());
      } else {
        CheckError(movement.error());
      }
      auto movements = formats::ReadMovements(item, "body");
      if (!movements.ok()) CheckError(movements.error());
      break;
    }
    case 8: {
      auto answer = formats::AcknowledgementFromJson(item, "body", UtcTime{});
      if (answer.ok()) {
        FUZZ_CHECK(
            formats::AcknowledgementFromJson(formats::AcknowledgementToJson(*answer), "again")
                .ok());
      } else {
        CheckError(answer.error());
      }
      break;
    }
    case 9: {
      auto outcome = formats::DeliveryOutcomeFromJson(item, "body", UtcTime{});
      if (outcome.ok()) {
        FUZZ_CHECK(
            formats::DeliveryOutcomeFromJson(formats::DeliveryOutcomeToJson(*outcome), "again")
                .ok());
      } else {
        CheckError(outcome.error());
      }
      break;
    }
    default: {
      auto head = app::TreeHeadFromJson(item);
      if (!head.ok()) CheckError(head.error());
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  std::string_view text = fuzz::Text(data + 1, size - 1);
  const size_t eol = text.find('\n');
  const std::string_view target = text.substr(0, eol);
  text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);

  server::ApiRequest req;
  req.method = "POST";
  req.base_url = "http://127.0.0.1:8080";
  req.content_type = "application/json";
  constexpr std::string_view kContentType = "Content-Type: ";
  if (text.substr(0, kContentType.size()) == kContentType) {
    const size_t end = text.find('\n');
    req.content_type = std::string(text.substr(kContentType.size(), end - kContentType.size()));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  req.body = std::string(text);

  auto decoded = server::detail::ParseTarget(target);
  if (!decoded.ok()) {
    FUZZ_CHECK(decoded.error().code == ErrorCode::kInvalidArgument);
    FUZZ_CHECK(decoded.error().message.size() < 2000);
  } else {
    FUZZ_CHECK(!decoded->path.empty() && decoded->path.front() == '/');
    req.path = std::move(decoded->path);
    req.query = std::move(decoded->query);
  }
  (void)server::detail::IsApiPath(req.path);

  Fixture& f = TheFixture();
  const server::Call call{
      *f.application, req, app::Principal{app::Role::kMonitor, "", "fuzz"}, {}, nullptr};
  ReadQuery(call);

  auto items = server::ItemsBody(call);
  if (!items.ok()) {
    CheckError(items.error());
    FUZZ_CHECK(items.error().code == ErrorCode::kUnsupportedMediaType ||
               items.error().code == ErrorCode::kBadJson ||
               items.error().code == ErrorCode::kInvalidArgument ||
               items.error().code == ErrorCode::kTooLarge);
    return 0;
  }
  for (const json& item : items->items) ParseBody(selector, item);
  return 0;
}
