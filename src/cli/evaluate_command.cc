// truce evaluate PATH --reports FILE: which reports violate which rule of which zone version.
//
// A CSV file is streamed: read twice through a read-only mapping whose pages are dropped as the
// reader passes them, so that memory does not grow with the file (docs/performance.md "Report
// evaluation"). The first pass checks every row and finds the event_ids that occur more than
// once; the second evaluates each row and writes its violations at once. Other inputs
// (GeoJSON, gzip, pipes) are read whole. Both give the same output, byte for byte.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "formats/csv.h"
#include "formats/records.h"
#include "formats/reports.h"
#include "formats/scenario_reader.h"
#include "formats/text_file.h"
#include "report_input.h"
#include "truce/verdict.h"

namespace truce::cli {
namespace {

struct EvaluateOptions {
  std::string path;
  std::string reports;
  std::string format = "jsonl";
  std::string skip_invalid;
  bool stream = true;  // --no-stream: read a CSV file whole, as other inputs are
};

// Writes violations in the chosen format as they come, to stdout, in large blocks.
class ViolationWriter {
 public:
  explicit ViolationWriter(std::string format) : format_(std::move(format)) {
    if (format_ == "csv") {
      out_ = "report,zone,version,rule,verdict,fraction,clause,party,revision,event_date\n";
    } else if (format_ == "geojson") {
      out_ = "{\"features\":[";  // nlohmann's key order: "features" before "type"
    }
  }
  void Write(const Violation& v, int revision) {
    ++violations_;
    inside_ += v.verdict == Verdict::kInside;
    if (format_ == "jsonl") {
      formats::AppendViolationJson(out_, v, revision);
      out_ += '\n';
    } else if (format_ == "csv") {
      out_ += fmt::format(
          "{},{},{},{},{},{},{},{},{},{}\n", formats::CsvField(v.report->event_id()),
          formats::CsvField(v.version->zone()), v.version->version(), RuleKindName(v.rule),
          VerdictName(v.verdict), formats::RoundTo4(v.fraction), formats::CsvField(v.clause),
          formats::CsvField(v.party), revision, FormatUtcDate(v.report->spec().event_date));
    } else {
      if (violations_ > 1) out_ += ',';
      out_ +=
          nlohmann::json{
              {"type", "Feature"},
              {"properties", formats::ViolationToJson(v, revision)},
              {"geometry",
               {{"type", "Point"},
                {"coordinates", {v.report->location().lng(), v.report->location().lat()}}}}}
              .dump();
    }
    if (out_.size() >= (size_t{1} << 20)) Flush();
  }
  void Finish() {
    if (format_ == "geojson") out_ += "],\"type\":\"FeatureCollection\"}\n";
    Flush();
    std::fflush(stdout);
  }
  size_t violations() const { return violations_; }
  size_t inside() const { return inside_; }

 private:
  void Flush() {
    std::fwrite(out_.data(), 1, out_.size(), stdout);
    out_.clear();
  }
  const std::string format_;
  std::string out_;
  size_t violations_ = 0, inside_ = 0;
};

struct Counts {
  size_t reports = 0, rejected = 0, duplicates = 0, revised = 0;
};

void PrintSummary(const Counts& c, const ViolationWriter& w) {
  fmt::print(stderr,
             "evaluated {} report{} ({} rejected, {} identical re-imports dropped, {} revised): "
             "{} violation{} ({} inside, {} possible)\n",
             c.reports, c.reports == 1 ? "" : "s", c.rejected, c.duplicates, c.revised,
             w.violations(), w.violations() == 1 ? "" : "s", w.inside(),
             w.violations() - w.inside());
}

// The file read whole (GeoJSON, gzip, anything but a regular CSV file).
int RunInMemory(const EvaluateOptions& o, const Scenario& scenario) {
  auto input = LoadReportInput(o.reports, o.skip_invalid);
  if (!input.ok()) return ReportError(input.error());
  const ReportInput& in = **input;
  const ReportEvaluator evaluator(scenario);
  ViolationWriter writer(o.format);
  Counts counts{in.latest.size(), in.rejected, in.duplicates, 0};
  for (const formats::Revision& r : in.latest) {
    counts.revised += r.revision > 1;
    for (const Violation& v : evaluator.Evaluate(*r.report)) writer.Write(v, r.revision);
  }
  writer.Finish();
  PrintSummary(counts, writer);
  return kExitOk;
}

// A mapped file that shrinks while it is read raises SIGBUS at the first page past its new end:
// that is input changing under the reader, so it ends as bad input does, with a message naming
// the file, not as a crash. The message is made before mapping (the handler may only write).
char g_truncated_message[512];
size_t g_truncated_length = 0;

void OnTruncated(int) {
  [[maybe_unused]] const ssize_t written = ::write(2, g_truncated_message, g_truncated_length);
  ::_exit(kExitBadInput);
}

void ExitIfTruncated(const std::string& path) {
  const std::string message = fmt::format(
      "error: {}: the file shrank while it was read (it must not change during truce "
      "evaluate); nothing more was evaluated\n",
      path.size() > 300 ? path.substr(0, 300) + "..." : path);
  g_truncated_length = std::min(message.size(), sizeof g_truncated_message);
  std::memcpy(g_truncated_message, message.data(), g_truncated_length);
  struct sigaction action = {};
  action.sa_handler = &OnTruncated;
  ::sigemptyset(&action.sa_mask);
  ::sigaction(SIGBUS, &action, nullptr);
}

// A regular file mapped read-only. Release drops the pages before an offset from this process's
// memory (they are clean: the kernel rereads them if touched again), so that reading the file
// from start to end keeps only a window of it resident. Since the pages are read again, a
// change of the file in place would show in the second pass: Unchanged says whether the file
// (the one mapped, whatever its name now names) was written since it was opened.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path, size_t size) {
    auto f = std::unique_ptr<MappedFile>(new MappedFile);
    if (size == 0) return f;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return MakeError(ErrorCode::kIo,
                       fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    }
    f->fd_ = fd;
    if (::fstat(fd, &f->opened_) != 0) {
      return MakeError(ErrorCode::kIo,
                       fmt::format("{}: cannot read its status: {}", path, std::strerror(errno)));
    }
    ExitIfTruncated(path);
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int mmap_errno = errno;
    if (p == MAP_FAILED) {
      return MakeError(ErrorCode::kIo,
                       fmt::format("{}: cannot map: {}", path, std::strerror(mmap_errno)));
    }
    ::madvise(p, size, MADV_SEQUENTIAL);
    f->data_ = static_cast<char*>(p);
    f->size_ = size;
    return f;
  }
  ~MappedFile() {
    if (data_) ::munmap(data_, size_);
    if (fd_ >= 0) ::close(fd_);
  }
  // False once the file was written (its size, modification or change time moved; the change
  // time cannot be set back by a user, so a write is seen even under a restored mtime).
  bool Unchanged() const {
    if (fd_ < 0) return true;
    struct stat now {};
    if (::fstat(fd_, &now) != 0) return false;
    auto same = [](const timespec& a, const timespec& b) {
      return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
    };
    return now.st_size == opened_.st_size && same(now.st_mtim, opened_.st_mtim) &&
           same(now.st_ctim, opened_.st_ctim);
  }
  std::string_view text() const { return {data_, size_}; }
  // Drops the whole pages before `offset` once a few megabytes have been passed.
  void Release(size_t offset) {
    static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t end = offset / page * page;
    if (end < released_ + (size_t{8} << 20)) return;
    ::madvise(data_ + released_, end - released_, MADV_DONTNEED);
    released_ = end;
  }
  void Rewind() { released_ = 0; }

 private:
  MappedFile() = default;
  int fd_ = -1;
  struct stat opened_ {};
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t released_ = 0;
};

// The file was written while truce evaluate read it: bad input, since no one answer can be given
// for it. After the first pass nothing was written; after the second, what was written on
// stdout came from a file that no longer exists as it was read.
Error ChangedWhileRead(const std::string& path, bool after_output) {
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("{}: the file was written while it was read (it must not change "
                               "during truce evaluate); {}",
                               path,
                               after_output ? "the violations written are not to be trusted"
                                            : "nothing was evaluated"));
}

// Whether `path` is streamed: a regular, non-empty file that is neither gzip nor JSON.
std::optional<size_t> StreamableSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return {};
  std::ifstream in(path, std::ios::binary);
  char head[4096];
  in.read(head, sizeof head);
  const std::string_view start(head, static_cast<size_t>(in.gcount()));
  if (start.size() >= 2 && start[0] == '\x1f' && start[1] == '\x8b') return {};
  const size_t first = start.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || start[first] == '{' || start[first] == '[') return {};
  return static_cast<size_t>(st.st_size);
}

// Event ids by 64-bit hash, open addressing: 16 bytes per distinct id at most. Equal hashes of
// different ids only cost an exact comparison later, never a wrong answer.
class HashSet {
 public:
  // True if `h` was not in the set.
  bool Insert(uint64_t h) {
    if (h == 0) h = 1;  // 0 marks an empty slot
    if (2 * (size_ + 1) > slots_.size()) Grow();
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == h) return false;
      if (slots_[i] == 0) {
        slots_[i] = h;
        ++size_;
        return true;
      }
    }
  }

 private:
  void Grow() {
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(std::max<size_t>(1024, old.size() * 2), 0);
    size_ = 0;
    for (uint64_t h : old) {
      if (h != 0) Insert(h);
    }
  }
  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

uint64_t IdHash(std::string_view id) { return std::hash<std::string_view>{}(id); }

using Row = formats::ReportCsvReader::Row;

// Calls `each(ordinal, row)` for every data row of the mapped file in order (ordinal counts
// rejected rows too), dropping the pages behind the reader.
Status ForEachRow(MappedFile& file, const std::string& path,
                  const std::function<void(size_t, Row&)>& each) {
  file.Rewind();
  formats::ReportCsvReader reader(file.text(), path);
  if (Status header = reader.ReadHeader(); !header.ok()) return header;
  Row row;
  for (size_t ordinal = 0;; ++ordinal) {
    auto more = reader.Next(row);
    if (!more.ok()) return std::move(more).error();
    if (!*more) return Status::Ok();
    file.Release(reader.offset());
    each(ordinal, row);
  }
}

int RunStreaming(const EvaluateOptions& o, const Scenario& scenario, size_t size) {
  auto file = MappedFile::Open(o.reports, size);
  if (!file.ok()) return ReportError(file.error());
  MappedFile& mapped = **file;

  // Pass 1: every row checked (a bad file is refused before anything is written), and the rows
  // whose event_id hash was seen before kept: the only candidates for revisions and re-imports
  // (memory grows with those rows and with the rejected ones, not with the file).
  Counts counts;
  std::vector<std::string> bad_reasons;  // without --skip-invalid: every reason, for the error
  std::string rejects;  // with it: the rejects file's lines, written once the file proved readable
  HashSet seen;
  std::set<uint64_t> repeated;
  std::multimap<std::string, std::pair<size_t, Report>> later;  // event_id -> (row, report)
  Status read = ForEachRow(mapped, o.reports, [&](size_t ordinal, Row& row) {
    if (row.rejected) {
      ++counts.rejected;
      if (o.skip_invalid.empty()) {
        for (std::string& r : row.rejected->reasons) bad_reasons.push_back(std::move(r));
      } else {
        rejects += formats::SafeDump({{"origin", row.rejected->origin},
                                      {"reasons", row.rejected->reasons},
                                      {"raw", row.rejected->raw}});
        rejects += '\n';
      }
      return;
    }
    const uint64_t h = IdHash(row.report->event_id());
    if (!seen.Insert(h)) {
      repeated.insert(h);
      std::string id = row.report->event_id();
      later.emplace(std::move(id), std::make_pair(ordinal, std::move(*row.report)));
    }
  });
  if (!read.ok()) return ReportError(read.error());
  if (!mapped.Unchanged()) return ReportError(ChangedWhileRead(o.reports, false));
  if (counts.rejected > 0 && o.skip_invalid.empty()) {
    return ReportError(BadRecordsError({o.reports}, counts.rejected, std::move(bad_reasons)));
  }
  if (!o.skip_invalid.empty()) {
    std::ofstream out(o.skip_invalid, std::ios::binary);
    out << rejects;
    if (!out.flush()) {
      return ReportError(
          MakeError(ErrorCode::kIo, fmt::format("{}: cannot write the rejects", o.skip_invalid)));
    }
  }

  // Pass 2: each event_id evaluated where it first appears, in its latest revision (what
  // formats::LatestRevisions gives), and its violations written at once.
  const ReportEvaluator evaluator(scenario);
  ViolationWriter writer(o.format);
  std::set<std::string> done;  // repeated event_ids already written
  size_t rejected_again = 0;   // pass 1 counted the file's rejects; pass 2 must meet as many
  read = ForEachRow(mapped, o.reports, [&](size_t ordinal, Row& row) {
    if (!row.report) {
      ++rejected_again;
      return;
    }
    const Report& first = *row.report;
    if (!repeated.contains(IdHash(first.event_id()))) {
      ++counts.reports;
      for (const Violation& v : evaluator.Evaluate(first)) writer.Write(v, 1);
      return;
    }
    if (!done.insert(first.event_id()).second) return;  // a later row of an id already written
    ++counts.reports;
    // The distinct contents of this event_id in file order; the last is the latest revision.
    std::vector<const Report*> distinct = {&first};
    const auto [lo, hi] = later.equal_range(first.event_id());
    size_t rows = 1;
    for (auto it = lo; it != hi; ++it) {
      if (it->second.first <= ordinal) continue;
      ++rows;
      const Report& r = it->second.second;
      if (std::none_of(distinct.begin(), distinct.end(),
                       [&](const Report* d) { return d->SameContent(r); })) {
        distinct.push_back(&r);
      }
    }
    const int revision = static_cast<int>(distinct.size());
    counts.duplicates += rows - distinct.size();
    counts.revised += revision > 1;
    for (const Violation& v : evaluator.Evaluate(*distinct.back())) writer.Write(v, revision);
  });
  // The file was read whole once: a failure now means it changed under us.
  if (!read.ok()) return ReportError(read.error());
  writer.Finish();
  if (!mapped.Unchanged() || rejected_again != counts.rejected) {
    return ReportError(ChangedWhileRead(o.reports, true));
  }
  PrintSummary(counts, writer);
  return kExitOk;
}

int Run(const EvaluateOptions& o) {
  auto scenario = formats::LoadScenario(o.path);
  if (!scenario.ok()) return ReportError(scenario.error());
  if (o.stream) {
    if (const auto size = StreamableSize(o.reports)) return RunStreaming(o, *scenario, *size);
  }
  return RunInMemory(o, *scenario);
}

}  // namespace

void AddEvaluateCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "evaluate", "Ceasefire and flight-ban verdicts for incident reports: one violation per line");
  auto o = std::make_shared<EvaluateOptions>();
  cmd->add_option("PATH", o->path, "Scenario directory or zones GeoJSON file")->required();
  cmd->add_option("--reports", o->reports, "Reports: ACLED-style CSV or GeoJSON")->required();
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"jsonl", "geojson", "csv"}));
  cmd->add_option("--skip-invalid", o->skip_invalid,
                  "Process the good records and write the rejects (JSON lines) to this file");
  cmd->add_flag("!--no-stream", o->stream,
                "Read a CSV file whole instead of streaming it (the same output; for comparison)");
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
