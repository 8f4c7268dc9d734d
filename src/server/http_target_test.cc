#include "server/http_target.h"

#include <fstream>
#include <random>

#include <gtest/gtest.h>

namespace truce::server::detail {
namespace {

namespace fs = std::filesystem;

TEST(PercentDecodeTest, DecodesEscapesAndRefusesMalformedOnes) {
  EXPECT_EQ(*PercentDecode("/a%20b%2Fc", false), "/a b/c");
  EXPECT_EQ(*PercentDecode("a+b%2B", true), "a b+");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("%00", false), std::string(1, '\0'));
  for (const char* bad : {"%", "%2", "%zz", "ab%2"}) {
    auto r = PercentDecode(bad, false);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("offset"), std::string::npos);
  }
}

TEST(ParseTargetTest, SplitsPathAndQuery) {
  auto t = ParseTarget("/api/v1/reports?limit=5&bbox=1%2C2&a&limit=7&q=x+y&&");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/api/v1/reports");
  EXPECT_EQ(t->query.at("limit"), "5");  // the first wins
  EXPECT_EQ(t->query.at("bbox"), "1,2");
  EXPECT_EQ(t->query.at("a"), "");
  EXPECT_EQ(t->query.at("q"), "x y");
  EXPECT_EQ(t->query.size(), 4u);
  EXPECT_FALSE(ParseTarget("http://evil/x").ok());
  EXPECT_FALSE(ParseTarget("*").ok());
  EXPECT_FALSE(ParseTarget("/index.html%00.png").ok());
  EXPECT_FALSE(ParseTarget("/a?x=%G1").ok());
  EXPECT_FALSE(ParseTarget("/%zz").ok());
}

// A malformed query parameter is quoted bounded and escaped, however long or binary it is (the
// request fuzz target found a 1,900-byte parameter quoted whole, raw bytes included).
TEST(ParseTargetTest, AMalformedParameterIsQuotedBoundedAndEscaped) {
  const std::string pair = "bbox-crs=" + std::string(3000, '\xff') + "%zz";
  auto bad = ParseTarget("/ogc/collections/reports/items?" + pair);
  ASSERT_FALSE(bad.ok());
  const std::string& message = bad.error().message;
  EXPECT_LT(message.size(), 600u) << message.size();
  EXPECT_EQ(message.rfind("query parameter 'bbox-crs=", 0), 0u) << message;
  EXPECT_EQ(message.find('\xff'), std::string::npos) << "raw bytes quoted";
  EXPECT_NE(message.find("malformed percent-escape"), std::string::npos) << message;
  auto short_one = ParseTarget("/x?as_of=%zz");
  ASSERT_FALSE(short_one.ok());
  EXPECT_EQ(short_one.error().message,
            "query parameter 'as_of=%zz': malformed percent-escape at offset 0: expected '%' and "
            "two hexadecimal digits");
}

TEST(IsApiPathTest, OwnsItsPrefixesOnly) {
  for (const char* p : {"/healthz", "/metrics", "/api", "/api/v1/x", "/ogc", "/ogc/collections"}) {
    EXPECT_TRUE(IsApiPath(p)) << p;
  }
  for (const char* p : {"/", "/index.html", "/apix", "/ogcfoo", "/metrics.js", "/vendor/api"}) {
    EXPECT_FALSE(IsApiPath(p)) << p;
  }
}

TEST(ContentTypeForTest, UsesTheExtension) {
  EXPECT_EQ(ContentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("/vendor/leaflet/leaflet.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("a/b.c/layers.png"), "image/png");
  EXPECT_EQ(ContentTypeFor("README"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("x.png.exe"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("dir.png/file"), "application/octet-stream");
}

class StaticFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("truce_http_target_test_" + std::to_string(std::random_device{}()));
    fs::create_directories(base_ / "web" / "sub");
    fs::create_directories(base_ / "secret");
    std::ofstream(base_ / "web" / "index.html") << "index";
    std::ofstream(base_ / "web" / "sub" / "app.js") << "js";
    std::ofstream(base_ / "secret" / "passwd") << "secret";
    fs::create_symlink(base_ / "secret" / "passwd", base_ / "web" / "link.txt");
    fs::create_directory_symlink(base_ / "secret", base_ / "web" / "out");
    root_ = fs::canonical(base_ / "web");
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path base_, root_;
};

TEST_F(StaticFileTest, ServesRegularFilesAndIndexes) {
  StaticFile f = ResolveStaticFile(root_, "/");
  ASSERT_EQ(f.kind, StaticFile::Kind::kFile);
  EXPECT_EQ(f.file, root_ / "index.html");
  EXPECT_EQ(f.content_type, "text/html; charset=utf-8");
  f = ResolveStaticFile(root_, "//sub///app.js");
  ASSERT_EQ(f.kind, StaticFile::Kind::kFile);
  EXPECT_EQ(f.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(ResolveStaticFile(root_, "/sub").kind, StaticFile::Kind::kMissing);  // no index
  EXPECT_EQ(ResolveStaticFile(root_, "/nothing.png").kind, StaticFile::Kind::kMissing);
}

TEST_F(StaticFileTest, RefusesEscapes) {
  for (const char* p : {"/../secret/passwd", "/sub/../../secret/passwd", "/./index.html",
                        "/.hidden", "/sub\\..\\index.html"}) {
    StaticFile f = ResolveStaticFile(root_, p);
    EXPECT_EQ(f.kind, StaticFile::Kind::kRefused) << p;
    EXPECT_EQ(f.status, 400) << p;
  }
  StaticFile f = ResolveStaticFile(root_, std::string("/index.html\0.png", 16));
  EXPECT_EQ(f.kind, StaticFile::Kind::kRefused);
  EXPECT_EQ(f.status, 400);
  // Symbolic links out of the root.
  for (const char* p : {"/link.txt", "/out/passwd"}) {
    f = ResolveStaticFile(root_, p);
    EXPECT_EQ(f.kind, StaticFile::Kind::kRefused) << p;
    EXPECT_EQ(f.status, 404) << p;
  }
}

TEST(HostAndPortTest, AcceptsHostsAndRefusesInjection) {
  for (const char* ok : {"truce.example.org", "truce.example.org:8443", "127.0.0.1:80",
                         "[::1]:8080", "[2001:db8::1]", "localhost"}) {
    EXPECT_TRUE(IsValidHostAndPort(ok)) << ok;
  }
  for (const char* bad : {"", "evil.example\"><script>", "a b", "host:", "host:99999", "host:80:80",
                          "[::1", "[nothost]:80", "user@host", "host/path", ".x", "-x", ":80"}) {
    EXPECT_FALSE(IsValidHostAndPort(bad)) << bad;
  }
}

TEST(PublicBaseUrlTest, NormalizesAndRefuses) {
  EXPECT_EQ(*NormalizePublicBaseUrl("https://truce.example.org/"), "https://truce.example.org");
  EXPECT_EQ(*NormalizePublicBaseUrl("http://10.0.0.5:8080/truce//"), "http://10.0.0.5:8080/truce");
  for (const char* bad :
       {"truce.example.org", "ftp://x.org", "https://", "https://a b", "https://x.org/?q=1",
        "https://x.org/#f", "https://u@x.org", "https://x.org/\"><script>"}) {
    auto r = NormalizePublicBaseUrl(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("expected http[s]://"), std::string::npos);
  }
}

TEST(BaseUrlTest, ForwardedHeadersReplaceSchemeAndHostWhenValid) {
  EXPECT_EQ(BaseUrl("http://127.0.0.1:8080", "", ""), "http://127.0.0.1:8080");
  EXPECT_EQ(BaseUrl("http://127.0.0.1:8080", "https", "truce.example.org"),
            "https://truce.example.org");
  EXPECT_EQ(BaseUrl("https://x.org/truce", "HTTP", "y.org:81, proxy.internal"),
            "http://y.org:81/truce");
  EXPECT_EQ(BaseUrl("http://127.0.0.1:8080", "javascript", "evil.example\"><script>"),
            "http://127.0.0.1:8080");
}

TEST(ForwardedClientAddressTest, TakesTheLastAddress) {
  EXPECT_EQ(ForwardedClientAddress("203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(ForwardedClientAddress("1.2.3.4, 2001:db8::7 "), "2001:db8::7");
  EXPECT_EQ(ForwardedClientAddress("1.2.3.4, unknown"), "");
  EXPECT_EQ(ForwardedClientAddress(""), "");
}

}  // namespace
}  // namespace truce::server::detail
