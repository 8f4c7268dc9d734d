#include "server/routing.h"

#include <gtest/gtest.h>

#include "app/app.h"
#include "app/ledger.h"
#include "store/mem_store.h"

namespace truce::server {
namespace {

using nlohmann::json;

// PageLinks over a request for /ogc/collections/zones/items with a bbox: self, then next and
// prev where there are such windows, each keeping the request's other parameters. Found by the
// api fuzzer: built with clang, the links were one object (a brace-initialised json of one
// json is a copy under CWG 1467), and adding "next" threw.
TEST(PageLinksTest, AnArrayOfSelfNextAndPrevKeepingTheQuery) {
  store::MemStore store;
  auto ledger = app::Ledger::Open(store, app::SigningKey::Generate());
  ASSERT_TRUE(ledger.ok());
  app::Metrics metrics;
  auto application = app::App::Open(store, **ledger, metrics);
  ASSERT_TRUE(application.ok());
  ApiRequest req;
  req.base_url = "http://127.0.0.1:8080";
  req.query = {{"bbox", "36,33,37,34"}, {"limit", "2"}, {"offset", "1"}};
  const Call call{**application, req, app::Principal::Anonymous(), {}, nullptr};
  const std::string path = "/ogc/collections/zones/items";
  const std::string type = "application/geo+json";

  const json middle = PageLinks(call, path, 1, 2, 10, type);
  ASSERT_TRUE(middle.is_array());
  ASSERT_EQ(middle.size(), 3u);
  EXPECT_EQ(middle[0]["rel"], "self");
  EXPECT_EQ(middle[0]["href"], req.base_url + path + "?bbox=36%2C33%2C37%2C34&limit=2&offset=1");
  EXPECT_EQ(middle[1]["rel"], "next");
  EXPECT_EQ(middle[1]["href"], req.base_url + path + "?bbox=36%2C33%2C37%2C34&limit=2&offset=3");
  EXPECT_EQ(middle[2]["rel"], "prev");
  EXPECT_EQ(middle[2]["href"], req.base_url + path + "?bbox=36%2C33%2C37%2C34&limit=2&offset=0");
  for (const json& link : middle) EXPECT_EQ(link["type"], type);

  const json only = PageLinks(call, path, 0, 2, 2, type);
  ASSERT_TRUE(only.is_array());
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0]["rel"], "self");
}

// One submitted item's result: its receipt when it was stored now, else where it already stands
// (the empty receipt of an unchanged item was once dereferenced; the api fuzzer found it).
TEST(ItemJsonTest, AReceiptWhenStoredNowElseTheIndexItStandsUnder) {
  app::ItemOutcome stored{"c1", 0, true, 7,
                          app::Receipt{7, {}, "\x01\xff", UtcTime{}, std::nullopt}};
  const json created = ItemJson(stored);
  EXPECT_EQ(created["status"], "created");
  EXPECT_EQ(created["log_index"], 7);
  EXPECT_EQ(created["receipt"], "01ff");
  EXPECT_TRUE(created.contains("leaf_hash"));
  EXPECT_TRUE(created.contains("received_at"));

  const app::ItemOutcome again{"c1", 0, false, 3, std::nullopt};
  EXPECT_EQ(ItemJson(again), (json{{"log_index", 3}, {"status", "unchanged"}}));
}

}  // namespace
}  // namespace truce::server
