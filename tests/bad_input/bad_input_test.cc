// The bad-input corpus (tests/bad_input/manifest, format in tests/bad_input/README.md): every
// case runs the real `truce` binary on files it writes into a scratch directory and checks
// the exit code and the messages. On top of each case's own expectations, every case checks
// that truce did not crash (no signal, no exit 70, no timeout), that stderr holds no raw
// control bytes and is valid UTF-8 with bounded lines, and that a failing command printed
// nothing on stdout. HTTP cases run against a real server started in this process (the
// test harness of tests/server_harness.h: Beast on 127.0.0.1 over a fresh SQLite file with the
// shipped scenario adopted), over a raw socket so that the request is exactly what the case
// says; they check the status, the error body's code and message, and that the answer is never
// a 500 nor a body that is not clean UTF-8 JSON.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../position_diff.h"
#include "formats/reports.h"
#include "formats/text_file.h"
#include "raw_http_client.h"
#include "server_harness.h"

#include "truce/text_policy.h"

namespace truce::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpusDir = fs::path(TRUCE_SOURCE_DIR) / "tests" / "bad_input";

// One piece of a file's content: `text` written `count` times.
struct Segment {
  std::string text;
  size_t count = 1;
};

struct FileSpec {
  enum Kind { kPlain, kGzip, kSymlink, kDirectory, kSparse, kCopy } kind = kPlain;
  std::string name;
  std::vector<Segment> content;  // kPlain, kGzip
  std::string target;            // kSymlink target, kCopy source, kSparse size
};

struct Case {
  std::string name;
  size_t line = 0;  // where it starts in the manifest
  std::vector<FileSpec> files;
  std::string cli;         // the command line after `truce`
  std::string stdin_file;  // a path (placeholders allowed), or empty for /dev/null
  std::string http;        // "METHOD PATH" for an HTTP case
  std::map<std::string, std::vector<std::string>> keys;  // everything else, repeatable
  int exit = -1;
  std::vector<std::string> stderr_has;
  std::vector<std::string> stdout_has;
  bool stdout_empty = false, stdout_any = false;
  std::vector<std::pair<std::string, std::string>> produces;  // file, substring
};

// Decodes the escapes of file content: \n \t \r \0 \\ \xHH; any other backslash is kept.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    switch (c) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '0':
        out += '\0';
        break;
      case '\\':
        out += '\\';
        break;
      case 'x':
        if (i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
          out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
          i += 2;
          break;
        }
        [[fallthrough]];
      default:  // not an escape (JSON's \u0000, \"): kept as written
        out += '\\';
        out += c;
    }
  }
  return out;
}

// Splits content into literal text and {repeat:N:TEXT} segments (TEXT ends at the first '}'
// after it; write \x7D for a '}' inside it).
std::vector<Segment> Segments(const std::string& raw, const std::string& where) {
  std::vector<Segment> out;
  size_t i = 0;
  while (i < raw.size()) {
    const size_t at = raw.find("{repeat:", i);
    if (at == std::string::npos) {
      out.push_back({Unescape(raw.substr(i)), 1});
      break;
    }
    if (at > i) out.push_back({Unescape(raw.substr(i, at - i)), 1});
    const size_t colon = raw.find(':', at + 8);
    const size_t close = raw.find('}', colon == std::string::npos ? at : colon);
    if (colon == std::string::npos || close == std::string::npos) {
      ADD_FAILURE() << where << ": unterminated {repeat:N:TEXT}";
      break;
    }
    out.push_back({Unescape(raw.substr(colon + 1, close - colon - 1)),
                   std::stoull(raw.substr(at + 8, colon - at - 8))});
    i = close + 1;
  }
  return out;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  size_t b = 0;
  while (b < s.size() && s[b] == ' ') ++b;
  return s.substr(b);
}

std::vector<Case> LoadCases() {
  const fs::path manifest = kCorpusDir / "manifest";
  std::ifstream in(manifest);
  if (!in) {
    ADD_FAILURE() << "cannot read " << manifest;
    return {};
  }
  std::vector<Case> cases;
  std::string line;
  size_t n = 0;
  FileSpec* block = nullptr;  // the file whose content "| " lines continue
  while (std::getline(in, line)) {
    ++n;
    const std::string where = manifest.string() + ":" + std::to_string(n);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("| ", 0) == 0 || line == "|") {
      if (block == nullptr) {
        ADD_FAILURE() << where << ": a '| ' content line outside a file block";
        continue;
      }
      for (Segment& s : Segments(line.size() > 2 ? line.substr(2) : "", where)) {
        block->content.push_back(std::move(s));
      }
      block->content.push_back({"\n", 1});
      continue;
    }
    block = nullptr;
    if (Trim(line).empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      const size_t close = line.find(']');
      if (close == std::string::npos) {
        ADD_FAILURE() << where << ": expected [case-name]";
        continue;
      }
      cases.push_back(Case{});
      cases.back().name = line.substr(1, close - 1);
      cases.back().line = n;
      continue;
    }
    if (cases.empty()) {
      ADD_FAILURE() << where << ": a key before the first [case]";
      continue;
    }
    Case& c = cases.back();
    size_t colon = line.find(':');
    if (colon == std::string::npos && line.rfind("mkdir ", 0) == 0) colon = line.size();
    if (colon == std::string::npos) {
      ADD_FAILURE() << where << ": expected 'key: value'";
      continue;
    }
    const std::string key = Trim(line.substr(0, colon));
    const std::string value = colon + 1 < line.size() ? line.substr(colon + 1) : "";
    const std::string trimmed = Trim(value);
    const size_t space = key.find(' ');
    const std::string verb = key.substr(0, space);
    const std::string arg = space == std::string::npos ? "" : Trim(key.substr(space + 1));
    auto file_spec = [&](FileSpec::Kind kind) -> FileSpec& {
      c.files.push_back(FileSpec{kind, arg, {}, ""});
      return c.files.back();
    };
    if (verb == "file" || verb == "gzip") {
      FileSpec& f = file_spec(verb == "file" ? FileSpec::kPlain : FileSpec::kGzip);
      // "file NAME:" alone opens a block of "| " lines; else the rest of the line (after one
      // space) is the content, without a line end.
      if (value.empty()) {
        block = &f;
      } else {
        f.content = Segments(value.substr(value[0] == ' ' ? 1 : 0), where);
      }
    } else if (verb == "symlink") {
      file_spec(FileSpec::kSymlink).target = trimmed;
    } else if (verb == "mkdir") {
      file_spec(FileSpec::kDirectory);
    } else if (verb == "sparse") {
      file_spec(FileSpec::kSparse).target = trimmed;
    } else if (verb == "copy") {
      file_spec(FileSpec::kCopy).target = trimmed;
    } else if (key == "cli") {
      c.cli = trimmed;
    } else if (key == "stdin") {
      c.stdin_file = trimmed;
    } else if (key == "http") {
      c.http = trimmed;
    } else if (key == "exit") {
      c.exit = std::stoi(trimmed);
    } else if (key == "stderr") {
      c.stderr_has.push_back(trimmed);
    } else if (key == "stdout") {
      if (trimmed == "<empty>") {
        c.stdout_empty = true;
      } else if (trimmed == "<any>") {
        c.stdout_any = true;
      } else {
        c.stdout_has.push_back(trimmed);
      }
    } else if (verb == "produces") {
      c.produces.emplace_back(arg, trimmed);
    } else if (key == "role" || key == "header" || key == "body" || key == "status" ||
               key == "error" || key == "message" || key == "note") {
      c.keys[key].push_back(trimmed);
    } else {
      ADD_FAILURE() << where << ": unknown key '" << key << "'";
    }
  }
  for (const Case& c : cases) {
    const std::string at = manifest.string() + ":" + std::to_string(c.line);
    if (c.cli.empty() == c.http.empty()) {
      ADD_FAILURE() << at << ": case " << c.name << " needs exactly one of cli: and http:";
    }
    if (!c.cli.empty() && c.exit < 0) ADD_FAILURE() << at << ": " << c.name << " has no exit:";
    if (!c.http.empty() && c.keys.count("status") == 0) {
      ADD_FAILURE() << at << ": " << c.name << " has no status:";
    }
  }
  return cases;
}

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = LoadCases();
  return cases;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The server HTTP cases run against: started by the first HTTP case of this process (ctest
// runs each case in a process of its own, so every case gets a fresh database), stopped at
// exit. The shipped scenario is adopted, so that zones, parties and rules exist.
class CorpusServer {
 public:
  static CorpusServer& Get() {
    static CorpusServer server;
    return server;
  }
  ServerHarness& harness() { return *harness_; }
  // A token for `role` ("monitor", "admin", "party:ID", ...); "" for none.
  std::string Token(const std::string& role) {
    if (role.empty()) return "";
    const size_t colon = role.find(':');
    const auto parsed = app::ParseRole(role.substr(0, colon));
    if (!parsed) {
      ADD_FAILURE() << "unknown role '" << role << "'";
      return "";
    }
    return harness_->Token(*parsed, colon == std::string::npos ? "" : role.substr(colon + 1));
  }

 private:
  CorpusServer() {
    harness_ = std::make_unique<ServerHarness>((dir_.path() / "truce.db").string());
    harness_->LoadShippedScenario();
    Seed();
  }
  // The shipped incidents' reports, so that decisions and publications meet real incidents
  // (INC-AST001 is the Khan Shaykhun attack of 4 April 2017, two reports).
  void Seed() {
    const std::string file = ShippedScenario() + "/incidents.csv";
    auto text = formats::ReadTextFile(file);
    ASSERT_TRUE(text.ok()) << text.error().message;
    auto batch = formats::ParseReports(*text, file);
    ASSERT_TRUE(batch.ok()) << batch.error().message;
    std::vector<nlohmann::json> items;
    for (const Report& r : batch->reports) items.push_back(formats::ReportToJson(r));
    const app::Principal op{app::Role::kAdmin, "", "bad-input corpus"};
    auto out = harness_->application().SubmitReports(op, std::move(items), true);
    ASSERT_TRUE(out.ok()) << out.error().message;
  }
  TempDir dir_;
  std::unique_ptr<ServerHarness> harness_;
};

class BadInputTest : public ::testing::TestWithParam<size_t> {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("truce_bad_input_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // {dir}, {source}, {scenario} (the shipped one), {mini} (tests/bad_input/files/mini),
  // {file:NAME} (DIR/NAME), shell-quoted.
  std::string Expand(const std::string& text, bool quote) const {
    std::string out;
    size_t i = 0;
    auto q = [&](const std::string& s) { return quote ? ShellQuote(s) : s; };
    while (i < text.size()) {
      const size_t open = text.find('{', i);
      const size_t close = open == std::string::npos ? open : text.find('}', open);
      if (close == std::string::npos) {
        out += text.substr(i);
        break;
      }
      out += text.substr(i, open - i);
      const std::string name = text.substr(open + 1, close - open - 1);
      if (name == "dir") {
        out += q(dir_.string());
      } else if (name == "source") {
        out += q(TRUCE_SOURCE_DIR);
      } else if (name == "scenario") {
        out += q(std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017");
      } else if (name == "mini") {
        out += q((kCorpusDir / "files" / "mini").string());
      } else if (name.rfind("file:", 0) == 0) {
        out += q((dir_ / name.substr(5)).string());
      } else {
        out += text.substr(open, close - open + 1);
      }
      i = close + 1;
    }
    return out;
  }

  // Hands the content to `write` in chunks of about 1 MiB, so that a repeat of 300 million
  // bytes is written quickly and never held whole.
  template <typename Write>
  static void Expand(const std::vector<Segment>& content, Write&& write) {
    constexpr size_t kChunk = 1 << 20;
    std::string chunk;
    for (const Segment& s : content) {
      size_t left = s.count;
      if (s.text.empty()) continue;
      // Whole runs of the repeated text at a time.
      const size_t per_run = std::max<size_t>(1, kChunk / s.text.size());
      std::string run;
      for (size_t k = 0; k < std::min(per_run, left); ++k) run += s.text;
      while (left > 0) {
        const size_t n = std::min(per_run, left);
        chunk.append(run, 0, n * s.text.size());
        left -= n;
        if (chunk.size() >= kChunk) {
          write(chunk);
          chunk.clear();
        }
      }
    }
    if (!chunk.empty()) write(chunk);
  }

  void Materialize(const FileSpec& f) {
    const fs::path path = dir_ / f.name;
    fs::create_directories(path.parent_path());
    switch (f.kind) {
      case FileSpec::kPlain: {
        std::ofstream out(path, std::ios::binary);
        Expand(f.content, [&](const std::string& chunk) { out.write(chunk.data(), chunk.size()); });
        break;
      }
      case FileSpec::kGzip: {
        gzFile out = gzopen(path.c_str(), "wb6");
        Expand(f.content, [&](const std::string& chunk) {
          gzwrite(out, chunk.data(), static_cast<unsigned>(chunk.size()));
        });
        gzclose(out);
        break;
      }
      case FileSpec::kSymlink:
        fs::create_symlink(Expand(f.target, false), path);
        break;
      case FileSpec::kDirectory:
        fs::create_directories(path);
        break;
      case FileSpec::kSparse: {
        std::ofstream(path, std::ios::binary).put('[');
        fs::resize_file(path, std::stoull(f.target));
        break;
      }
      case FileSpec::kCopy: {
        fs::path from = Expand(f.target, false);
        if (from.is_relative()) from = kCorpusDir / from;
        fs::copy(from, path, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
        break;
      }
    }
  }

  void Materialize(const Case& c) {
    // Copies first, so that the files of a case can replace what a copy brought.
    for (const FileSpec& f : c.files) {
      if (f.kind == FileSpec::kCopy) Materialize(f);
    }
    for (const FileSpec& f : c.files) {
      if (f.kind != FileSpec::kCopy) Materialize(f);
    }
  }

  const std::vector<std::string>& Keys(const Case& c, const std::string& key) const {
    static const std::vector<std::string> none;
    const auto it = c.keys.find(key);
    return it == c.keys.end() ? none : it->second;
  }

  // Sends the case's request on a fresh connection, exactly as written (a Content-Length is
  // added unless the case gives one), and checks the answer.
  void RunHttp(const Case& c) {
    Materialize(c);
    CorpusServer& server = CorpusServer::Get();
    ASSERT_FALSE(::testing::Test::HasFatalFailure()) << "the server did not start";
    std::string body;
    for (const std::string& b : Keys(c, "body")) {
      body += b.rfind("{file:", 0) == 0 && b.back() == '}' ? Slurp(dir_ / b.substr(6, b.size() - 7))
                                                           : Unescape(b);
    }
    std::string request = c.http + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    bool has_length = false;
    for (const std::string& h : Keys(c, "header")) {
      request += Unescape(h) + "\r\n";
      std::string name = h.substr(0, h.find(':'));
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      has_length |= name == "content-length" || name == "transfer-encoding";
    }
    for (const std::string& role : Keys(c, "role")) {
      request += "Authorization: Bearer " + server.Token(role) + "\r\n";
    }
    if (!has_length && (!body.empty() || c.http.rfind("POST ", 0) == 0)) {
      request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    request += "\r\n" + body;
    RawClient client(server.harness().port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(request)) << "the server closed the connection mid-request";
    const std::optional<RawResponse> r =
        client.Read(std::chrono::seconds(60), c.http.rfind("HEAD ", 0) == 0);
    ASSERT_TRUE(r.has_value()) << "no answer within 60 s to " << c.http;
    const std::string shown = "\n--- request: " + c.http +
                              "\n--- answer: " + std::to_string(r->status) + "\n" +
                              EscapeControls(r->body, 3000);
    EXPECT_NE(r->status, 500) << "an internal error on bad input" << shown;
    EXPECT_EQ(std::to_string(r->status), Keys(c, "status").front()) << shown;
    EXPECT_TRUE(IsValidUtf8(r->body)) << "the body is not valid UTF-8" << shown;
    if (r->status < 400) return;
    const nlohmann::json error = nlohmann::json::parse(r->body, nullptr, false);
    ASSERT_TRUE(error.is_object() && error.contains("error") && error["error"].is_object())
        << "an error without the JSON error body" << shown;
    for (const std::string& code : Keys(c, "error")) {
      EXPECT_EQ(error["error"].value("code", ""), code) << shown;
    }
    // The message and every problem ("path: message"), as one text.
    std::string text = error["error"].value("message", "");
    for (const nlohmann::json& p : error["error"].value("problems", nlohmann::json::array())) {
      text += "\n" + p.value("path", "") + ": " + p.value("message", "");
    }
    for (const std::string& needle : Keys(c, "message")) {
      EXPECT_NE(text.find(needle), std::string::npos) << "the error lacks: " << needle << shown;
    }
  }

  fs::path dir_;
};

TEST(BadInputManifest, IsWellFormedAndLargeEnough) {
  const std::vector<Case>& cases = Cases();
  size_t cli = 0, http = 0;
  std::map<std::string, size_t> seen;
  for (const Case& c : cases) {
    cli += !c.cli.empty();
    http += !c.http.empty();
    EXPECT_EQ(seen[c.name]++, 0u) << "case named twice: " << c.name;
  }
  EXPECT_GE(cli, 150u);
  EXPECT_GE(http, 150u);
}

TEST_P(BadInputTest, Case) {
  const Case& c = Cases()[GetParam()];
  SCOPED_TRACE("tests/bad_input/manifest:" + std::to_string(c.line) + ": [" + c.name + "]");
  if (!c.http.empty()) return RunHttp(c);
  Materialize(c);
  const std::string in = c.stdin_file.empty() ? "/dev/null" : Expand(c.stdin_file, true);
  const std::string cmd = "cd " + ShellQuote(dir_.string()) + " && timeout 120 " +
                          ShellQuote(std::string(TRUCE_BINARY_DIR) + "/src/cli/truce") + " " +
                          Expand(c.cli, true) + " >" + ShellQuote((dir_ / ".out").string()) +
                          " 2>" + ShellQuote((dir_ / ".err").string()) + " <" + in;
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << "truce did not exit normally: " << cmd;
  const int code = WEXITSTATUS(status);
  const std::string out = Slurp(dir_ / ".out"), err = Slurp(dir_ / ".err");
  const std::string shown = "\n--- command: truce " + c.cli + "\n--- stderr:\n" +
                            EscapeControls(err, 3000) + "\n--- stdout:\n" +
                            EscapeControls(out, 500);
  ASSERT_NE(code, 124) << "timed out" << shown;
  ASSERT_LT(code, 128) << "killed by a signal (a crash)" << shown;
  EXPECT_NE(code, 70) << "an internal error on bad input" << shown;
  EXPECT_EQ(code, c.exit) << shown;
  for (const std::string& needle : c.stderr_has) {
    EXPECT_NE(err.find(needle), std::string::npos) << "stderr lacks: " << needle << shown;
  }
  // Every message is clean: valid UTF-8, no control bytes but line ends, no endless lines.
  EXPECT_TRUE(IsValidUtf8(err)) << "stderr is not valid UTF-8" << shown;
  for (char ch : err) {
    const auto u = static_cast<unsigned char>(ch);
    if ((u < 0x20 && ch != '\n') || u == 0x7F) {
      ADD_FAILURE() << "stderr holds the raw control byte " << static_cast<int>(u) << shown;
      break;
    }
  }
  EXPECT_EQ(err.find("\u202E"), std::string::npos) << "stderr holds a raw bidi override";
  std::istringstream lines(err);
  std::string l;
  while (std::getline(lines, l)) EXPECT_LE(l.size(), 2500u) << "an endless line" << shown;
  EXPECT_LE(err.size(), size_t{1} << 20);
  if (c.stdout_empty || (code != 0 && !c.stdout_any && c.stdout_has.empty())) {
    EXPECT_TRUE(out.empty()) << "a failing command printed results" << shown;
  }
  for (const std::string& needle : c.stdout_has) {
    EXPECT_NE(out.find(needle), std::string::npos) << "stdout lacks: " << needle << shown;
  }
  for (const auto& [file, needle] : c.produces) {
    const std::string text = Slurp(dir_ / file);
    EXPECT_NE(text.find(needle), std::string::npos) << file << " lacks: " << needle << "\n"
                                                    << EscapeControls(text, 500);
    EXPECT_TRUE(IsValidUtf8(text)) << file << " is not valid UTF-8";
  }
}

// Every position file of the corpus (cases of `truce flights`), read by the fast readers and by
// the reference reader (src/formats/positions.h): the same records and the same messages.
TEST(BadInputPositions, FastAndReferenceReadersAgree) {
  constexpr size_t kMaxBytes = size_t{64} << 20;  // the generated giants beyond are refused unread
  size_t compared = 0;
  for (const Case& c : Cases()) {
    if (c.cli.find("flights") == std::string::npos) continue;
    for (const FileSpec& f : c.files) {
      if (f.kind != FileSpec::kPlain && f.kind != FileSpec::kGzip) continue;
      std::string text;
      bool too_large = false;
      for (const Segment& s : f.content) {
        if (text.size() + s.text.size() * s.count > kMaxBytes) too_large = true;
        for (size_t k = 0; k < s.count && !too_large; ++k) text += s.text;
      }
      if (too_large) continue;
      const std::string name = c.name + "/" + f.name;
      ExpectSameBatch(formats::ParsePositions(text, f.name),
                      formats::ParsePositionsReference(text, f.name), name);
      ++compared;
    }
  }
  EXPECT_GT(compared, 40u);
}

std::string CaseName(const ::testing::TestParamInfo<size_t>& info) {
  std::string name = Cases()[info.param].name;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Manifest, BadInputTest, ::testing::Range(size_t{0}, Cases().size()),
                         CaseName);

}  // namespace
}  // namespace truce::testing
