// The bus adapter's pure parts: the partition of an aircraft (stable: the stream is partitioned
// by it) and the NATS URLs taken or refused with a message naming the flag. The rest runs
// against a real nats-server in tests/bus_workers_test.cc.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "bus/nats_bus.h"
#include "bus/publisher.h"

namespace truce::bus {
namespace {

TEST(PartitionOf, IsFnv1aOfTheLowercaseAddressModuloTheCount) {
  // FNV-1a 32 of "3003ae" is 2965380969, computed apart (Python: h = 2166136261; for c in
  // b"3003ae": h = ((h ^ c) * 16777619) % 2**32): a change of the function would move every
  // aircraft to another partition of a stream that already holds them.
  EXPECT_EQ(PartitionOf("3003ae", 16), 9);
  EXPECT_EQ(PartitionOf("3003ae", 256), 105);
  EXPECT_EQ(PartitionOf("3003AE", 16), PartitionOf("3003ae", 16));
  EXPECT_EQ(PartitionOf("3003ae", 1), 0);
  // Spread: 4096 addresses over 16 partitions, none empty, none with twice its share.
  std::vector<int> count(16);
  for (int i = 0; i < 4096; ++i) ++count[PartitionOf(fmt::format("{:06x}", i * 977), 16)];
  for (int n : count) {
    EXPECT_GT(n, 0);
    EXPECT_LT(n, 512);
  }
  EXPECT_EQ(PositionsSubject(7), "truce.positions.7");
}

TEST(CheckNatsUrl, TakesNatsHostPortListsAndNamesTheFlagOtherwise) {
  EXPECT_TRUE(CheckNatsUrl("nats://127.0.0.1:4222").ok());
  EXPECT_TRUE(CheckNatsUrl("nats://a.example:4222,nats://b.example:4223").ok());
  for (const char* bad : {"localhost:4222", "nats://localhost", "nats://:4222", "http://x:4222",
                          "nats://x:99999", "nats://x:4222/path", ""}) {
    const Status st = CheckNatsUrl(bad);
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(st.error().message.find("--nats: expected nats://HOST:PORT"), std::string::npos)
        << st.error().message;
  }
}

}  // namespace
}  // namespace truce::bus
