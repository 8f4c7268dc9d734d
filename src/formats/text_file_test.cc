#include "formats/text_file.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace truce::formats {
namespace {

namespace fs = std::filesystem;

class TextFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("truce_text_file_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
    return (dir_ / name).string();
  }
  std::string Gzip(const std::string& name, const std::string& bytes, const char* mode = "wb9") {
    const std::string path = (dir_ / name).string();
    gzFile f = gzopen(path.c_str(), mode);
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
    return path;
  }
  fs::path dir_;
};

TEST_F(TextFileTest, ReadsWithinTheLimitAndRefusesBeyondIt) {
  const std::string path = Write("a.csv", std::string(1000, 'x'));
  ASSERT_TRUE(ReadTextFile(path).ok());
  auto big = ReadTextFile(path, ReadLimits{999});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(big.error().message,
            path + ": 1000 bytes, more than 999 bytes, the limit for an input file");
  EXPECT_EQ(ReadTextFile((dir_ / "none").string()).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ReadTextFile(dir_.string()).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(TextFileTest, DevicesAndPipesAreReadOnlyUpToTheLimit) {
  // /dev/zero never ends: it must stop at the limit, not grow until memory runs out.
  auto zero = ReadTextFile("/dev/zero", ReadLimits{1 << 20});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().message, "/dev/zero: holds more than 1 MiB, the limit for an input file");
  const std::string fifo = (dir_ / "fifo").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(fifo) << "a,b\n1,2\n"; });
  auto piped = ReadTextFile(fifo);
  writer.join();
  ASSERT_TRUE(piped.ok());
  EXPECT_EQ(*piped, "a,b\n1,2\n");
}

TEST_F(TextFileTest, GzipIsDecompressedWithinTheLimits) {
  EXPECT_EQ(*ReadTextFile(Gzip("p.json.gz", "[1,2,3]")), "[1,2,3]");
  // Two gzip members, as `cat a.gz b.gz` makes.
  const std::string two = Gzip("a.gz", "a,b\n");
  std::string bytes;
  {
    std::ifstream in(two, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  Gzip("b.gz", "1,2\n");
  std::ifstream in2(dir_ / "b.gz", std::ios::binary);
  bytes.append(std::istreambuf_iterator<char>(in2), {});
  EXPECT_EQ(*ReadTextFile(Write("two.csv.gz", bytes)), "a,b\n1,2\n");
  // A file named .gz that is not compressed is read as it is.
  EXPECT_EQ(*ReadTextFile(Write("plain.json.gz", "[]")), "[]");
}

TEST_F(TextFileTest, GzipBombsAreRefusedEarly) {
  // 100 MB of zeros compress to about 100 KB: a ratio of 1000 (was 845 MB of memory for a
  // 300 KB file).
  const std::string bomb = Gzip("bomb.csv.gz", std::string(100 << 20, '\0'));
  auto out = ReadTextFile(bomb);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(out.error().message.find(bomb + ": decompresses to more than 250 times its "
                                            "compressed size"),
            std::string::npos)
      << out.error().message;
  // Within the ratio but past the size limit.
  std::string text;
  std::mt19937 rng(1);
  for (int i = 0; i < (3 << 20); ++i) text += static_cast<char>('a' + rng() % 16);
  auto sized = ReadTextFile(Gzip("big.gz", text), ReadLimits{2 << 20});
  ASSERT_FALSE(sized.ok());
  EXPECT_EQ(sized.error().message,
            (dir_ / "big.gz").string() +
                ": decompresses to more than 2 MiB, the limit for an input file");
  // The ratio is checked once the grace is produced: 200 KiB of zeros pass under the default
  // grace of 1 MiB, and are a bomb from a grace of 16 KiB on (as the gzip fuzzer reads).
  const std::string small = Gzip("small.gz", std::string(200 << 10, '\0'));
  EXPECT_TRUE(ReadTextFile(small).ok());
  ReadLimits early;
  early.gzip_ratio_grace = 16 << 10;
  auto refused = ReadTextFile(small, early);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("decompresses to more than 250 times"), std::string::npos)
      << refused.error().message;
}

TEST_F(TextFileTest, CorruptGzipIsBadInput) {
  std::string good;
  Gzip("g.gz", std::string(5000, 'x') + "tail");
  std::ifstream in(dir_ / "g.gz", std::ios::binary);
  good.assign(std::istreambuf_iterator<char>(in), {});
  auto truncated = Gunzip(good.substr(0, good.size() / 2), "t.gz");
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().message,
            "t.gz: truncated gzip data (the compressed stream ends early)");
  std::string corrupt = good;
  corrupt[12] ^= 0x55;
  auto bad = Gunzip(corrupt, "c.gz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("c.gz: ", 0), 0u);
  EXPECT_FALSE(Gunzip(std::string("\x1f\x8b", 2), "h.gz").ok());
}

// GzipInflater given the compressed bytes in pieces of every size against Gunzip given them
// whole: the same text and the same errors, for one member, several, padding after them, a
// truncated and a corrupt stream, a bomb and the size limit; a sink that stops is obeyed.
TEST_F(TextFileTest, InflatingPieceByPieceIsInflatingWhole) {
  auto read = [&](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::mt19937 rng(11);
  std::string text;
  for (int i = 0; i < 300000; ++i) text += static_cast<char>('a' + rng() % 7);
  const std::string one = read(Gzip("one.gz", text));
  const std::string two = one + read(Gzip("two.gz", "and a second member\n"));
  const std::string zeros = read(Gzip("zeros.gz", std::string(4 << 20, '\0')));
  std::string corrupt = one;
  corrupt[corrupt.size() / 2] ^= 0x55;
  ReadLimits small;  // more than the compressed bytes, less than the text
  small.max_bytes = 200000;
  ReadLimits early;
  early.gzip_ratio_grace = 16 << 10;
  const std::vector<std::pair<std::string, ReadLimits>> cases = {
      {one, {}},
      {two, {}},
      {two + std::string("\0\0\0", 3), {}},
      {one + "\x1f", {}},
      {one + "x", {}},
      {one.substr(0, one.size() / 2), {}},
      {one.substr(0, one.size() - 1), {}},
      {two.substr(0, one.size() + 1), {}},
      {two.substr(0, one.size() + 5), {}},
      {corrupt, {}},
      {one, small},
      {zeros, early},
      {std::string("\x1f\x8b", 2), {}},
  };
  for (size_t c = 0; c < cases.size(); ++c) {
    const auto& [data, limits] = cases[c];
    const auto whole = Gunzip(data, "g.gz", limits);
    for (const size_t piece : {size_t{1}, size_t{2}, size_t{3}, size_t{1000}, size_t{65536}}) {
      SCOPED_TRACE(::testing::Message() << "case " << c << ", pieces of " << piece);
      GzipInflater inflater("g.gz", limits);
      std::string out;
      Status status = Status::Ok();
      for (size_t at = 0; status.ok() && !inflater.done(); at += piece) {
        const bool last = at + piece >= data.size();
        status = inflater.Feed(std::string_view(data).substr(std::min(at, data.size()), piece),
                               last, [&](std::string_view t) {
                                 out.append(t);
                                 return true;
                               });
        if (last) break;
      }
      ASSERT_EQ(status.ok(), whole.ok());
      if (whole.ok()) {
        EXPECT_TRUE(out == *whole) << out.size() << " bytes against " << whole->size();
      } else {
        // A bomb is caught once the ratio is passed, which small pieces see sooner: the same
        // message, with the figures at that moment.
        const std::string& message = whole.error().message;
        EXPECT_EQ(status.error().message.substr(0, message.find(" (")),
                  message.substr(0, message.find(" (")));
        if (message.find("gzip bomb") == std::string::npos) {
          EXPECT_EQ(status.error().message, message);
        }
      }
    }
  }
  // A sink that stops: nothing more is inflated, and the inflater is done.
  GzipInflater stopping("g.gz", {});
  size_t calls = 0;
  ASSERT_TRUE(stopping.Feed(one, false, [&](std::string_view) { return ++calls < 2; }).ok());
  EXPECT_TRUE(stopping.done());
  EXPECT_EQ(calls, 2u);
  // A file is inflated as it is read: a gzip file larger than the limit on its text is refused
  // once its text passes the limit, as before.
  const std::string big = Gzip("big_text.gz", text);
  auto refused = ReadTextFile(big, small);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, Gunzip(one, big, small).error().message);
}

// Both chunked readers against ReadTextFile: the same text, in pieces of at most 64 KiB, and
// the same errors, for plain and gzip files (several MiB, so that the read-ahead reader fills
// its queue), a truncated gzip file and the limits.
TEST_F(TextFileTest, ChunkedReadersGiveTheWholeTextAndTheSameErrors) {
  std::string text;
  std::mt19937 rng(7);
  for (int i = 0; i < (6 << 20); ++i) text += static_cast<char>('a' + rng() % 16);
  std::string truncated_gz;
  {
    Gzip("t.gz", text);
    std::ifstream in(dir_ / "t.gz", std::ios::binary);
    truncated_gz.assign(std::istreambuf_iterator<char>(in), {});
    truncated_gz.resize(truncated_gz.size() / 2);
  }
  const std::vector<std::pair<std::string, ReadLimits>> cases = {
      {Write("plain.csv", text), ReadLimits{}},
      {Gzip("text.csv.gz", text), ReadLimits{}},
      {Write("empty.csv", ""), ReadLimits{}},
      {Write("truncated.csv.gz", truncated_gz), ReadLimits{}},
      {(dir_ / "text.csv.gz").string(), ReadLimits{4 << 20}},
      {(dir_ / "plain.csv").string(), ReadLimits{4 << 20}},
      {(dir_ / "none.csv").string(), ReadLimits{}},
      {dir_.string(), ReadLimits{}},
  };
  for (const auto& [path, limits] : cases) {
    const auto whole = ReadTextFile(path, limits);
    for (const bool ahead : {false, true}) {
      std::string got;
      size_t largest = 0;
      auto sink = [&](std::string_view piece) {
        got.append(piece);
        largest = std::max(largest, piece.size());
        return true;
      };
      const Status st = ahead ? ReadTextFileChunksAhead(path, limits, sink)
                              : ReadTextFileChunks(path, limits, sink);
      const std::string what = path + (ahead ? " (read ahead)" : "");
      ASSERT_EQ(st.ok(), whole.ok()) << what;
      EXPECT_LE(largest, size_t{64} << 10) << what;
      if (whole.ok()) {
        EXPECT_TRUE(got == *whole) << what;
      } else {
        EXPECT_EQ(st.error().code, whole.error().code) << what;
        EXPECT_EQ(st.error().message, whole.error().message) << what;
      }
    }
  }
}

// A sink that stops, or throws, ends the read-ahead reader's thread with it: nothing hangs,
// nothing runs on after the call returns.
TEST_F(TextFileTest, ReadAheadStopsWhenTheSinkStopsOrThrows) {
  std::string text(12 << 20, 'x');
  const std::string path = Gzip("x.csv.gz", text, "wb1");
  size_t got = 0;
  Status st = ReadTextFileChunksAhead(path, ReadLimits{}, [&](std::string_view piece) {
    got += piece.size();
    return got < (1 << 20);
  });
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(got, size_t{1} << 20);
  EXPECT_THROW((void)ReadTextFileChunksAhead(
                   path, ReadLimits{},
                   [](std::string_view) -> bool { throw std::runtime_error("sink failed"); }),
               std::runtime_error);
}

TEST(FormatBytes, ReadableSizes) {
  EXPECT_EQ(FormatBytes(12), "12 bytes");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(256u << 20), "256 MiB");
  EXPECT_EQ(FormatBytes((1u << 20) + (1u << 19)), "1.5 MiB");
}

}  // namespace
}  // namespace truce::formats
